//! Pagination: long lists are split into pages linked by prev and next.

use crate::common::*;

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
