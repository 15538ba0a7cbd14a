//! Attack entries and related tools chosen by each tool's own evidence: the
//! tool pages and the attack pages agree, tools of one category get lists
//! of their own, and every entry says why it is there.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::*;

/// `servers/<server>/<tool>/` from a link to a tool page, if it is one.
fn tool_key(href: &str) -> Option<String> {
    let at = href.find("servers/")?;
    let key = &href[at..];
    (key.matches('/').count() == 3 && key.ends_with('/')).then(|| key.to_string())
}

/// `<slug>` from a link to an attack entry's page.
fn attack_slug(href: &str) -> Option<String> {
    let at = href.find("attacks/")? + "attacks/".len();
    let rest = &href[at..];
    let slug = &rest[..rest.find('/')?];
    (!slug.is_empty()).then(|| slug.to_string())
}

/// One tool page's attack section.
#[derive(Debug, Default)]
struct ToolAttacks {
    category: String,
    listed: BTreeSet<String>,
    reasons: Vec<String>,
    /// The "N more attack patterns" count, 0 without it.
    more: usize,
    related: Vec<String>,
    related_reasons: Vec<String>,
}

/// Every tool page of the build at `out`, by key.
fn tool_pages(out: &Path) -> BTreeMap<String, ToolAttacks> {
    let mut pages = BTreeMap::new();
    for page in html_files(out) {
        let doc = parse_html(&out.join(&page));
        if doc.select(&sel("article.tool")).next().is_none() {
            continue;
        }
        let key = page.trim_end_matches("index.html").to_string();
        let mut t = ToolAttacks {
            category: doc
                .select(&sel("header .badges a.tag"))
                .next()
                .map(text_of)
                .unwrap_or_default(),
            ..ToolAttacks::default()
        };
        for li in doc.select(&sel("section[aria-labelledby=attacks] ul.attack-list > li")) {
            let a = li.select(&sel("a")).next().expect("an entry link");
            t.listed
                .insert(attack_slug(a.value().attr("href").unwrap()).expect("an entry URL"));
            t.reasons.push(
                li.select(&sel("span.why"))
                    .next()
                    .map(text_of)
                    .unwrap_or_default(),
            );
        }
        for p in doc.select(&sel("section[aria-labelledby=attacks] p")) {
            let text = text_of(p);
            if text.contains("more attack pattern") {
                t.more = text.split_whitespace().next().unwrap().parse().unwrap();
            }
        }
        for li in doc.select(&sel("section[aria-labelledby=related] ul.related > li")) {
            let a = li.select(&sel("a")).next().expect("a related link");
            t.related
                .push(tool_key(a.value().attr("href").unwrap()).expect("a tool URL"));
            t.related_reasons.push(
                li.select(&sel("span.why"))
                    .next()
                    .map(text_of)
                    .unwrap_or_default(),
            );
        }
        pages.insert(key, t);
    }
    pages
}

/// For every attack entry, the tools its pages list.
fn attack_pages(out: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut entries: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for page in html_files(out) {
        let Some(rest) = page.strip_prefix("attacks/") else {
            continue;
        };
        let Some((slug, _)) = rest.split_once('/') else {
            continue;
        };
        let doc = parse_html(&out.join(&page));
        let tools = entries.entry(slug.to_string()).or_default();
        for a in doc.select(&sel("table.tools a")) {
            if let Some(key) = a.value().attr("href").and_then(tool_key) {
                tools.insert(key);
            }
        }
    }
    entries
}

/// An attack page lists exactly the tools whose page lists the entry (or
/// counts it among the "more" when the page is full).
fn assert_pages_agree(name: &str, out: &Path) {
    let tools = tool_pages(out);
    let attacks = attack_pages(out);
    assert!(
        !tools.is_empty() && !attacks.is_empty(),
        "{name}: pages found"
    );
    for (slug, listed_by_entry) in &attacks {
        for key in listed_by_entry {
            let page = tools
                .get(key)
                .unwrap_or_else(|| panic!("{name}: {key} has a page"));
            assert!(
                page.listed.contains(slug) || page.more > 0,
                "{name}: /attacks/{slug}/ lists {key}, whose page does not list it ({:?})",
                page.listed
            );
        }
    }
    for (key, page) in &tools {
        for slug in &page.listed {
            assert!(
                attacks.get(slug).is_some_and(|l| l.contains(key)),
                "{name}: {key} lists {slug}, whose page does not list it"
            );
        }
        let reaching = attacks.values().filter(|l| l.contains(key)).count();
        assert_eq!(
            reaching,
            page.listed.len() + page.more,
            "{name}: {key} lists {} and counts {} more, but {reaching} entry pages list it",
            page.listed.len(),
            page.more
        );
        for why in page.reasons.iter().chain(&page.related_reasons) {
            assert!(
                why.ends_with('.') && why.len() > 12,
                "{name}: {key}: a reason is missing or cut: {why:?}"
            );
        }
    }
}

#[test]
fn attack_pages_and_tool_pages_list_the_same_pairs() {
    for name in ["example", "ok", "hostile"] {
        assert_pages_agree(name, shared_build(name));
    }
    let dir = tempdir();
    build(&fixture("options"), dir.path()).ok("building options");
    assert_pages_agree("options", dir.path());
}

#[test]
fn tools_of_one_category_get_attack_lists_from_their_own_evidence() {
    // On the example site, some category's tools do not all share one list.
    let tools = tool_pages(shared_build("example"));
    let mut by_category: BTreeMap<&str, BTreeSet<&BTreeSet<String>>> = BTreeMap::new();
    for t in tools.values() {
        by_category
            .entry(&t.category)
            .or_default()
            .insert(&t.listed);
    }
    assert!(
        by_category.values().any(|lists| lists.len() > 1),
        "every category's tools share one attack list: {by_category:?}"
    );

    // The options fixture's entries need an amount: its financial tool with
    // `amount` gets them, its destructive tool without one gets none, though
    // most of them name its category.
    let dir = tempdir();
    build(&fixture("options"), dir.path()).ok("building options");
    let tools = tool_pages(dir.path());
    let page = |key: &str| {
        tools
            .iter()
            .find(|(k, _)| k.ends_with(key))
            .unwrap_or_else(|| panic!("{key} in {:?}", tools.keys()))
            .1
    };
    let transfer = page("/transfer_funds/");
    assert!(
        !transfer.listed.is_empty(),
        "transfer_funds lists its entries"
    );
    assert!(
        transfer.reasons.iter().all(|r| r.contains("`amount`")),
        "the reasons name the argument: {:?}",
        transfer.reasons
    );
    let drop = tools
        .iter()
        .find(|(k, _)| k.contains("drop"))
        .expect("the destructive tool's page")
        .1;
    assert!(
        drop.listed.is_empty() && drop.more == 0,
        "a tool without an amount gets money entries: {:?}",
        drop.listed
    );
}

#[test]
fn the_first_related_tool_of_a_job_runner_is_a_job_runner() {
    // The example site's runaway-loop entry names its job runners.
    let entry = read(&example_site().join("content/attacks/runaway-tool-loops.md"));
    let line = entry
        .lines()
        .find(|l| l.starts_with("tools = "))
        .expect("the entry names tools");
    let runners: Vec<String> = line
        .split('"')
        .skip(1)
        .step_by(2)
        .map(|r| format!("servers/{r}/"))
        .collect();
    assert!(runners.len() >= 2, "{runners:?}");
    let tools = tool_pages(shared_build("example"));
    let mut checked = 0;
    for runner in &runners {
        let page = &tools[runner];
        if let Some(first) = page.related.first() {
            assert!(
                runners.contains(first),
                "the first related tool of {runner} is {first}, not a job runner ({:?})",
                page.related_reasons
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "job runners have related tools");
}

#[test]
fn a_shared_verb_or_generic_argument_alone_relates_nothing() {
    // Three servers: two tools that only both "create" something and take a
    // `name`, and one that also creates widgets. Only the widget makers are
    // related, and the reason names the widget, not the verb.
    let site = tempdir();
    let servers = site.path().join("content/servers");
    std::fs::create_dir_all(&servers).unwrap();
    std::fs::write(
        site.path().join("site.toml"),
        "title = \"T\"\nbase_url = \"https://example.com/\"\n",
    )
    .unwrap();
    let record = |name: &str, tool: &str, description: &str| {
        serde_json::json!({
            "name": name,
            "tools": [{
                "name": tool,
                "description": description,
                "inputSchema": {"type": "object", "properties": {
                    "name": {"type": "string"},
                    "colour": {"type": "string"}
                }},
            }],
        })
        .to_string()
    };
    for (slug, name, tool, description) in [
        (
            "widgets",
            "Widgets",
            "create_widget",
            "Create a widget in the workshop.",
        ),
        (
            "invoices",
            "Invoices",
            "create_folder",
            "Create a folder in the archive.",
        ),
        (
            "gadgets",
            "Gadgets",
            "create_widget_copy",
            "Create a widget from a template.",
        ),
    ] {
        std::fs::write(
            servers.join(format!("{slug}.json")),
            record(name, tool, description),
        )
        .unwrap();
    }
    let out = tempdir();
    build(site.path(), out.path()).ok("building the three servers");
    let tools = tool_pages(out.path());
    let widget = &tools["servers/widgets/create_widget/"];
    assert_eq!(
        widget.related,
        ["servers/gadgets/create_widget_copy/"],
        "{:?}",
        widget.related_reasons
    );
    assert!(
        widget.related_reasons[0].contains("widget")
            && !widget.related_reasons[0].contains("create"),
        "{:?}",
        widget.related_reasons
    );
    let folder = &tools["servers/invoices/create_folder/"];
    assert!(folder.related.is_empty(), "{:?}", folder.related);
}
