//! What search engines and other consumers read: JSON-LD, the sitemap (an
//! index over child sitemaps past 50,000 URLs), robots.txt, and the
//! Content-Security-Policy every page carries (made in `render::csp`).

use crate::routes::Route;

use crate::config::Risk;
use crate::markdown::escape;
use crate::output::Sink;
use crate::render::pages::SiteRenderer;
use crate::render::urls::{Urls, page_count, page_path};
use crate::render::views::Link;

pub use crate::render::csp::{EMBED_CSS, PAGE_CSP, base64, embed_csp};

/// Serialises JSON for a `<script type="application/ld+json">` element:
/// `<`, `>` and `&` are escaped so no text can close the element.
pub fn script_safe_json(value: &impl serde::Serialize) -> String {
    let s = serde_json::to_string(value).expect("JSON-LD serialises");
    // `<`, `>`, `&` are ASCII; U+2028 and U+2029 both start with 0xE2.
    if !s.bytes().any(|b| matches!(b, b'<' | b'>' | b'&' | 0xE2)) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

/// BreadcrumbList JSON-LD for a page.
pub fn breadcrumb_jsonld(urls: &Urls, crumbs: &[Link], canonical: &str) -> String {
    if crumbs.is_empty() {
        return String::new();
    }
    // Typed, borrowed documents: every page has one, and building a JSON
    // map per crumb cost more than the rest of the page's metadata.
    #[derive(serde::Serialize)]
    struct Item<'a> {
        #[serde(rename = "@type")]
        kind: &'static str,
        position: usize,
        name: &'a str,
        item: String,
    }
    #[derive(serde::Serialize)]
    struct List<'a> {
        #[serde(rename = "@context")]
        context: &'static str,
        #[serde(rename = "@type")]
        kind: &'static str,
        #[serde(rename = "itemListElement")]
        items: Vec<Item<'a>>,
    }
    let items = crumbs
        .iter()
        .enumerate()
        .map(|(i, c)| Item {
            kind: "ListItem",
            position: i + 1,
            name: &c.name,
            item: if i + 1 == crumbs.len() {
                canonical.to_string()
            } else {
                let path = c.url.strip_prefix(&urls.base).unwrap_or(&c.url);
                urls.abs(path)
            },
        })
        .collect();
    script_safe_json(&List {
        context: "https://schema.org",
        kind: "BreadcrumbList",
        items,
    })
}

/// The most URLs one sitemap file may list.
pub const SITEMAP_LIMIT: usize = 50_000;

/// Every HTML page's site path, in a fixed order.
pub fn all_paths(r: &SiteRenderer) -> Vec<String> {
    let cat = r.cat;
    let per = cat.config.per_page;
    let mut out = vec![String::new()];
    let list = |out: &mut Vec<String>, path: &str, n: usize| {
        out.extend((1..=page_count(n, per)).map(|i| page_path(path, i)))
    };
    list(&mut out, &Route::Servers.path(), cat.servers.len());
    out.push(Route::Categories.path());
    for (ci, c) in cat.config.categories.iter().enumerate() {
        list(
            &mut out,
            &Route::Category(&c.name).path(),
            cat.index.by_category[ci].len(),
        );
    }
    out.push(Route::Risks.path());
    for r_ in Risk::ALL.iter().rev() {
        list(
            &mut out,
            &Route::Risk(r_.as_str()).path(),
            cat.index.by_risk[*r_ as usize].len(),
        );
    }
    out.push(Route::Attacks.path());
    for (ai, a) in cat.attacks.iter().enumerate() {
        let n = cat.index.attack_tools(ai).len();
        list(&mut out, &Route::Attack(&a.slug).path(), n);
    }
    list(
        &mut out,
        &Route::Flagged.path(),
        crate::render::lists::flagged_ids(cat).len(),
    );
    list(
        &mut out,
        &Route::Changes.path(),
        crate::render::changes::change_items(cat, &r.urls).len(),
    );
    for p in &cat.pages {
        out.push(Route::Page(&p.slug).path());
    }
    for s in &cat.servers {
        out.push(Route::Server(&s.slug).path());
        for t in &s.tools {
            out.push(
                Route::Tool {
                    server: &s.slug,
                    tool: &t.slug,
                }
                .path(),
            );
        }
    }
    out
}

fn urlset(urls: &Urls, paths: &[String], lastmod: Option<&str>) -> String {
    let mut s = String::with_capacity(paths.len() * 100 + 200);
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for p in paths {
        s.push_str("<url><loc>");
        s.push_str(&escape(&urls.abs(p)));
        s.push_str("</loc>");
        if let Some(d) = lastmod {
            s.push_str("<lastmod>");
            s.push_str(&escape(d));
            s.push_str("</lastmod>");
        }
        s.push_str("</url>\n");
    }
    s.push_str("</urlset>\n");
    s
}

/// Writes `sitemap.xml` (a sitemap index with `sitemap-N.xml` children once
/// past [`SITEMAP_LIMIT`] URLs) and `robots.txt`.
pub fn sitemaps(r: &SiteRenderer, sink: &dyn Sink) {
    for (name, text) in site_sitemaps(r, SITEMAP_LIMIT) {
        r.file(sink, &name, text.as_bytes());
    }
    let robots = format!(
        "User-agent: *\nAllow: /\nDisallow: {}{}\n\nSitemap: {}\n",
        r.urls.base,
        crate::routes::EMBEDS,
        r.urls.abs(&Route::Sitemap.path())
    );
    r.file(sink, &Route::Robots.path(), robots.as_bytes());
}

/// The site's sitemap files, split past `limit` URLs ([`SITEMAP_LIMIT`] in
/// a build; smaller to see the index form on a small site).
pub fn site_sitemaps(r: &SiteRenderer, limit: usize) -> Vec<(String, String)> {
    let paths = all_paths(r);
    let lastmod = r
        .cat
        .date
        .as_deref()
        .filter(|d| crate::text::is_iso_date(d));
    sitemap_files(&r.urls, &paths, lastmod, limit)
}

/// The sitemap files for `paths`: one `sitemap.xml` up to `limit` URLs,
/// else `sitemap-N.xml` files of at most `limit` URLs and a `sitemap.xml`
/// index over them.
pub fn sitemap_files(
    urls: &Urls,
    paths: &[String],
    lastmod: Option<&str>,
    limit: usize,
) -> Vec<(String, String)> {
    if paths.len() <= limit {
        return vec![(Route::Sitemap.path(), urlset(urls, paths, lastmod))];
    }
    let mut files = Vec::new();
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (i, chunk) in paths.chunks(limit).enumerate() {
        let name = Route::SitemapPart(i + 1).path();
        index.push_str(&format!(
            "<sitemap><loc>{}</loc></sitemap>\n",
            escape(&urls.abs(&name))
        ));
        files.push((name, urlset(urls, chunk, lastmod)));
    }
    index.push_str("</sitemapindex>\n");
    files.push((Route::Sitemap.path(), index));
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_ld_cannot_close_the_script() {
        let s = script_safe_json(&json!({"name": "</script><script>alert(1)</script>&"}));
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script>&");
    }

    #[test]
    fn sitemaps_split_into_an_index_past_the_limit() {
        let mut urls = Urls::default();
        urls.base = "/".into();
        urls.absolute = "https://e.com/".into();
        let paths: Vec<String> = (0..5).map(|i| format!("p{i}/")).collect();
        let one = sitemap_files(&urls, &paths, Some("2026-01-02"), 5);
        assert_eq!(one.len(), 1);
        assert!(
            one[0]
                .1
                .contains("<loc>https://e.com/p4/</loc><lastmod>2026-01-02</lastmod>")
        );
        let split = sitemap_files(&urls, &paths, None, 2);
        let names: Vec<&str> = split.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "sitemap-1.xml",
                "sitemap-2.xml",
                "sitemap-3.xml",
                "sitemap.xml"
            ]
        );
        assert_eq!(split[2].1.matches("<url>").count(), 1);
        let index = &split[3].1;
        assert!(index.contains("<sitemapindex"), "{index}");
        assert!(
            index.contains("<loc>https://e.com/sitemap-3.xml</loc>"),
            "{index}"
        );
        let total: usize = split[..3]
            .iter()
            .map(|(_, t)| t.matches("<url>").count())
            .sum();
        assert_eq!(total, 5);
    }

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
