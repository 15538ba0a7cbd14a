//! Page weight and requests: small tool pages, shared assets, nothing
//! fetched from another host.

use std::path::Path;

use serde_json::Value;

use crate::common::*;

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
