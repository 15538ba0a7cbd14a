//! Files for the hosts that serve the site: `_headers`, which Netlify and
//! Cloudflare Pages read, sending the pages' Content-Security-Policy as a
//! header and saying how long each kind of file may be cached.
//!
//! Owns the header rules and their paths. Every path of the output is
//! matched by at most one rule: the two hosts differ in how they combine
//! two matching rules (Netlify lets the later one win, Cloudflare joins the
//! values), and a joined CSP would be two policies at once.

use crate::catalogue::Catalogue;
use crate::render::csp;
use crate::routes::{self, Route};

/// How long a page (or any file whose name stays while its bytes change)
/// may be served from a cache without asking again.
pub const PAGE_CACHE: &str = "public, max-age=300, must-revalidate";

/// The built-in assets keep their names when their bytes change, so they
/// are cached for an hour rather than for a year.
pub const ASSET_CACHE: &str = "public, max-age=3600";

/// The `_headers` file of the site.
pub fn headers_file(cat: &Catalogue) -> String {
    let bp = &cat.config.base_path;
    let mut out = String::from(
        "# Written by toolrisk for Netlify and Cloudflare Pages: the pages'\n\
         # Content-Security-Policy as a header, and how long files may be cached.\n\
         # Each path matches one rule only. See docs/deploy.md.\n",
    );
    let page = |out: &mut String, path: &str, csp: &str| {
        out.push_str(&format!(
            "{path}\n  Content-Security-Policy: {csp}\n  X-Content-Type-Options: nosniff\n  \
             Referrer-Policy: strict-origin-when-cross-origin\n  Cache-Control: {PAGE_CACHE}\n"
        ));
    };
    page(&mut out, bp, csp::PAGE_CSP);
    page(
        &mut out,
        &format!("{bp}{}", Route::NotFound.path()),
        csp::PAGE_CSP,
    );
    if cat.config.search.enabled {
        page(
            &mut out,
            &format!("{bp}{}", Route::Search.path()),
            csp::PAGE_CSP,
        );
    }
    let mut sections: Vec<String> = routes::page_sections().into();
    sections.extend(cat.pages.iter().map(|p| Route::Page(&p.slug).path()));
    for section in &sections {
        page(&mut out, &format!("{bp}{section}*"), csp::PAGE_CSP);
    }
    page(
        &mut out,
        &format!("{bp}{}*", routes::EMBEDS),
        &csp::embed_csp(),
    );
    let search = cat.config.search.enabled;
    for (data, _) in routes::data_patterns()
        .iter()
        .filter(|(_, of_search)| search || !of_search)
    {
        out.push_str(&format!(
            "{bp}{data}\n  X-Content-Type-Options: nosniff\n  Cache-Control: {PAGE_CACHE}\n"
        ));
    }
    out.push_str(&format!(
        "{bp}{}*\n  X-Content-Type-Options: nosniff\n  Cache-Control: {ASSET_CACHE}\n",
        routes::ASSETS
    ));
    out
}
