//! The sitemap lists every page, and robots.txt names it.

use std::collections::HashSet;

use crate::common::*;

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
