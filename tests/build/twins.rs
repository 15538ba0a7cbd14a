//! The machine-readable twins: every tool and server page has an `index.md`
//! beside it, linked from its head, carrying the page's facts and its
//! policy; no record text, however hostile, gives the Markdown a structure
//! of its own (read with every extension the Markdown parser has); and
//! `/llms.txt` names addresses that exist.

use std::path::Path;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::common::*;

/// The structure of a twin, as a Markdown reader sees it.
#[derive(Debug, Default)]
struct Shape {
    h1: Vec<String>,
    h2: Vec<String>,
    /// Every link and autolink target.
    links: Vec<String>,
    /// Fenced code blocks: language and text.
    code: Vec<(String, String)>,
    /// Table rows, the head's among them.
    rows: usize,
    /// Items of lists, and whether any list nests or is ordered.
    items: usize,
    nested_or_ordered: bool,
    /// What no twin may hold: HTML, images, emphasis, math and the like.
    forbidden: Vec<String>,
    /// The section each blockquote is in.
    quotes_under: Vec<String>,
}

fn shape(md: &str) -> Shape {
    let options = Options::all() - Options::ENABLE_SMART_PUNCTUATION;
    let mut s = Shape::default();
    let (mut heading, mut text) = (None, String::new());
    let mut lists = 0;
    let mut code: Option<String> = None;
    for event in Parser::new_ext(md, options) {
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                if id.is_some() || !classes.is_empty() || !attrs.is_empty() {
                    s.forbidden.push("heading attributes".into());
                }
                heading = Some(level);
                text.clear();
            }
            Event::End(TagEnd::Heading(_)) => match heading.take() {
                Some(HeadingLevel::H1) => s.h1.push(text.clone()),
                Some(HeadingLevel::H2) => s.h2.push(text.clone()),
                other => s.forbidden.push(format!("heading {other:?}: {text}")),
            },
            Event::Start(Tag::Link { dest_url, .. }) => s.links.push(dest_url.to_string()),
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => {
                code = Some(lang.to_string());
                text.clear();
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => {
                s.forbidden.push("indented code".into())
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(lang) = code.take() {
                    s.code.push((lang, text.clone()));
                }
            }
            Event::Start(Tag::TableHead | Tag::TableRow) => s.rows += 1,
            Event::Start(Tag::List(start)) => {
                lists += 1;
                s.nested_or_ordered |= lists > 1 || start.is_some();
            }
            Event::End(TagEnd::List(_)) => lists -= 1,
            Event::Start(Tag::Item) => s.items += 1,
            Event::Start(Tag::BlockQuote(kind)) => {
                if kind.is_some() {
                    s.forbidden.push("an alert quote".into());
                }
                s.quotes_under
                    .push(s.h2.last().cloned().unwrap_or_default());
            }
            Event::Text(t) => text.push_str(&t),
            Event::Html(h) | Event::InlineHtml(h) => s.forbidden.push(format!("HTML {h}")),
            Event::Code(c) => s.forbidden.push(format!("code {c}")),
            Event::InlineMath(m) | Event::DisplayMath(m) => s.forbidden.push(format!("math {m}")),
            Event::FootnoteReference(f) => s.forbidden.push(format!("footnote {f}")),
            Event::TaskListMarker(_) => s.forbidden.push("a task marker".into()),
            Event::HardBreak => s.forbidden.push("a hard break".into()),
            Event::Start(
                tag @ (Tag::Image { .. }
                | Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::HtmlBlock
                | Tag::FootnoteDefinition(_)
                | Tag::DefinitionList
                | Tag::MetadataBlock(_)),
            ) => s.forbidden.push(format!("{tag:?}")),
            _ => {}
        }
    }
    s
}

const TOOL_SECTIONS: [&str; 7] = [
    "Why",
    "Evidence",
    "Findings",
    "Arguments",
    "Attack patterns",
    "Recommended policy",
    "Description (the server's own text, untrusted)",
];

/// The twins of `out`: (twin path, page path), tool pages and server pages.
fn twins_of(out: &Path) -> Vec<(String, String)> {
    list_files(out)
        .into_iter()
        .filter(|f| f.starts_with("servers/") && f.ends_with("/index.html"))
        .filter(|f| f.split('/').count() >= 3 && !f.contains("/page/"))
        .map(|f| (f.replace("/index.html", "/index.md"), f))
        .collect()
}

/// Checks every twin of a built site: structure, facts and head link.
fn check_twins(out: &Path, base_url: &str, base_path: &str) -> usize {
    let twins = twins_of(out);
    assert!(
        !twins.is_empty(),
        "{}: no server or tool pages",
        out.display()
    );
    for (md_path, page_path) in &twins {
        let md = std::fs::read_to_string(out.join(md_path))
            .unwrap_or_else(|e| panic!("{md_path}: no twin: {e}"));
        let s = shape(&md);
        let page = parse_html(&out.join(page_path));
        let what = format!("{md_path}:\n{md}");
        assert!(
            s.forbidden.is_empty(),
            "{what}\nforbidden: {:?}",
            s.forbidden
        );
        assert!(!s.nested_or_ordered, "{what}");
        // One title, the page's own (hidden characters shown, as the
        // twin shows them).
        let h1 = page.select(&sel("main h1")).next().map(text_of).unwrap();
        let h1 = toolrisk::text::for_terminal(&h1.split_whitespace().collect::<Vec<_>>().join(" "));
        assert_eq!(s.h1, [h1], "{what}");
        // The page links its twin.
        let alt = page
            .select(&sel(r#"head link[rel="alternate"][type="text/markdown"]"#))
            .map(|l| l.value().attr("href").unwrap().to_string())
            .collect::<Vec<_>>();
        assert_eq!(alt, [format!("{base_path}{md_path}")], "{page_path}");
        // Links only to the site's own files, which exist.
        for link in &s.links {
            let rel = link
                .strip_prefix(base_url)
                .unwrap_or_else(|| panic!("{what}\nlinks outside the site: {link}"));
            assert!(
                resolve(out, "/", &format!("/{rel}")).is_some(),
                "{what}\n{link} is not built"
            );
        }
        // The policy, as a JSON block equal to the policy file.
        let policy = read_json(&out.join(page_path.replace("index.html", "policy.json")));
        assert_eq!(s.code.len(), 1, "{what}");
        assert_eq!(s.code[0].0, "json", "{what}");
        let block: serde_json::Value =
            serde_json::from_str(&s.code[0].1).expect("the block is JSON");
        assert_eq!(block, policy, "{what}");
        let is_tool = page_path.split('/').count() == 4;
        if is_tool {
            for h in &s.h2 {
                assert!(
                    TOOL_SECTIONS.contains(&h.as_str()) || h == "Description",
                    "{what}\n{h}"
                );
            }
            // Category and risk as the API says.
            let parts: Vec<&str> = page_path.split('/').collect();
            let api = read_json(&out.join(format!("api/servers/{}.json", parts[1])));
            let url = format!("{base_url}servers/{}/{}/", parts[1], parts[2]);
            let tool = api["tools"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["url"] == url)
                .unwrap();
            let facts = format!(
                "- Category: [{}]({base_url}categories/{}/)\n- Risk: [{}]({base_url}risk/{}/)\n",
                tool["category"].as_str().unwrap(),
                tool["category"].as_str().unwrap(),
                tool["risk"].as_str().unwrap(),
                tool["risk"].as_str().unwrap()
            );
            assert!(md.contains(&facts), "{what}\n{facts}");
            // Every attack entry the page lists, by title.
            let listed: Vec<String> = page
                .select(&sel("ul.attack-list > li > a"))
                .map(|a| {
                    let href = a.value().attr("href").unwrap();
                    format!("{base_url}{}", href.strip_prefix(base_path).unwrap())
                })
                .collect();
            let in_twin: Vec<&String> =
                s.links.iter().filter(|l| l.contains("/attacks/")).collect();
            assert_eq!(
                in_twin.iter().filter(|l| !l.ends_with("/attacks/")).count(),
                listed.len(),
                "{what}"
            );
            for abs in &listed {
                assert!(s.links.contains(abs), "{what}\nmisses the attack {abs}");
            }
            // The server's own text only in the quote under its heading.
            for q in &s.quotes_under {
                assert_eq!(q, TOOL_SECTIONS[6], "{what}");
            }
        } else {
            // One table row per tool of the server, each naming a tool twin.
            let tools = page_path.split('/').nth(1).unwrap();
            let api = read_json(&out.join(format!("api/servers/{tools}.json")));
            let n = api["tools"].as_array().unwrap().len();
            assert_eq!(s.rows, n + 1, "{what}");
            let twin_links = s.links.iter().filter(|l| l.ends_with("/index.md")).count();
            assert_eq!(twin_links, n, "{what}");
        }
    }
    twins.len()
}

#[test]
fn every_tool_and_server_page_has_a_twin_with_its_facts() {
    let n = check_twins(shared_build("ok"), "https://fixture.example/", "/");
    assert!(n > 10, "{n} twins");
    // No other page links a twin.
    for page in [
        "index.html",
        "servers/index.html",
        "categories/read/index.html",
    ] {
        let html = read(&shared_build("ok").join(page));
        assert!(!html.contains("text/markdown"), "{page}");
    }
    let embed = list_files(shared_build("ok"))
        .into_iter()
        .find(|f| f.starts_with("embed/") && f.ends_with("index.html"))
        .unwrap();
    assert!(!read(&shared_build("ok").join(embed)).contains("text/markdown"));
}

#[test]
fn hostile_records_cannot_shape_the_markdown() {
    check_twins(shared_build("hostile"), "https://hostile.example/", "/");
    let tmp = tempdir();
    let out = tmp.path().join("out");
    build(&fixture("hostile-poison"), &out).ok("hostile-poison");
    check_twins(&out, "https://poison.example/", "/");
    // The hostile text is there, as text: a name with a script tag is
    // escaped, not dropped.
    let md = read(&shared_build("hostile").join("servers/evil-server/index.md"));
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"), "{md}");
    // A poisoned tool's description is left out, its findings kept.
    let poisoned: Vec<String> = list_files(&out)
        .into_iter()
        .filter(|f| f.ends_with("/index.md"))
        .map(|f| read(&out.join(f)))
        .filter(|md| md.contains("## Findings"))
        .collect();
    assert!(!poisoned.is_empty());
    assert!(
        poisoned
            .iter()
            .any(|md| md.contains("Left out: the record carries tool-poisoning markers"))
    );
}

#[test]
fn a_site_below_a_path_links_its_twins_there_and_llms_txt_names_what_exists() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    build(&fixture("options"), &out).ok("options");
    let base_url = "https://docs.example/tool&risk/sub/";
    check_twins(&out, base_url, "/tool&risk/sub/");
    for (out, base_url) in [
        (out.as_path(), base_url),
        (shared_build("ok"), "https://fixture.example/"),
    ] {
        let llms = read(&out.join("llms.txt"));
        let s = shape(&llms);
        assert_eq!(s.h1.len(), 1, "{llms}");
        assert!(s.forbidden.is_empty(), "{:?}", s.forbidden);
        let mut named = s.links.clone();
        named.extend(
            llms.split_whitespace()
                .filter(|w| w.starts_with("https://"))
                .map(|w| w.trim_end_matches([',', '.', ')']).to_string()),
        );
        for want in [
            "api/catalogue.json",
            "schema/server.schema.json",
            "schema/attack.schema.json",
            "schema/policy.schema.json",
            "servers/",
        ] {
            assert!(
                named.contains(&format!("{base_url}{want}")),
                "{want} not in\n{llms}"
            );
        }
        for link in named {
            let rel = link
                .strip_prefix(base_url)
                .unwrap_or_else(|| panic!("{link} outside the site"));
            if rel.contains("SERVER") {
                // A pattern: it holds for a real server and tool.
                let api = read_json(&out.join("api/catalogue.json"));
                let server = api["servers"][0]["slug"].as_str().unwrap();
                let server_api = read_json(&out.join(format!("api/servers/{server}.json")));
                let tool_url = server_api["tools"][0]["url"].as_str().unwrap();
                let tool = tool_url.trim_end_matches('/').rsplit('/').next().unwrap();
                let real = rel.replace("SERVER", server).replace("TOOL", tool);
                assert!(out.join(&real).is_file(), "{link}: {real} is not built");
            } else {
                assert!(
                    resolve(out, "/", &format!("/{rel}")).is_some(),
                    "{link} is not built"
                );
            }
        }
    }
}
