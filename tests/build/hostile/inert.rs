//! Hostile records come out inert: no script, handler or active URL of a
//! record's making reaches a page, and its text shows as text.

use std::path::Path;

use serde_json::Value;

use crate::common::*;

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
pub(crate) fn active_content(out: &Path) -> (Vec<String>, usize, usize) {
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
