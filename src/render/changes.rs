//! Definition history on the site: `/changes/` (every recorded change,
//! newest first, paginated) and `/changes/atom.xml` (an Atom feed, RFC
//! 4287, of the newest ones); the tool page's section is `render::history`.
//!
//! Every text here comes from a record: it is escaped (hidden characters
//! made visible first) before any markup is added, and the feed is XML
//! with its text escaped the same way, so a poisoned description shows as
//! text on every one of these pages.

use serde::Serialize;

use crate::catalogue::Catalogue;
use crate::classify::poison::reveal;
use crate::output::Sink;
use crate::render::compiled::typed_view;
pub use crate::render::history::{ChangeItem, change_items};
use crate::render::pages::SiteRenderer;
use crate::render::selection::List;
use crate::render::urls::Urls;
use crate::render::views::Pagination;
use crate::routes::Route;
use crate::text;

/// The most entries the feed carries.
pub const FEED_ENTRIES: usize = 50;

impl SiteRenderer<'_> {
    /// `/changes/` and its feed.
    pub(super) fn changes(&self, sink: &dyn Sink) {
        let items = change_items(self.cat, &self.urls);
        typed_view! {
            #[derive(Serialize)]
            struct ChangesPage<'a> {
                changes: &'a [ChangeItem],
                total_text: String,
                feed_url: String,
                pagination: Option<Pagination>,
            }
        }
        let crumbs = self
            .urls
            .crumbs(&[("Changes", self.urls.at(&Route::Changes.path()))]);
        for slice in self.slices(List::Changes, &Route::Changes.path(), items.len()) {
            let data = ChangesPage {
                changes: &items[slice.range.clone()],
                total_text: text::count(items.len(), "change", "changes"),
                feed_url: self.urls.at(&Route::ChangesFeed.path()),
                pagination: slice.pagination,
            };
            let meta = self.meta(
                "Changes".into(),
                "Every recorded change to a tool's definition in the catalogue, newest first: descriptions, input schemas, annotations, tools added and removed.".into(),
                &slice.path,
                crumbs.clone(),
                "website",
            );
            self.page(sink, "changes.html", &slice.path, &meta, data);
        }
        self.file(
            sink,
            &Route::ChangesFeed.path(),
            atom(self.cat, &self.urls, &items).as_bytes(),
        );
    }
}

/// A short stable key of one change.
fn entry_key(item: &ChangeItem) -> String {
    use sha2::{Digest, Sha256};
    let (date, server, tool, n) = &item.sort.0;
    let digest = Sha256::digest(format!("{date}\n{server}\n{tool}\n{}\n{n}", item.kind).as_bytes());
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

fn xml(out: &mut String, s: &str) {
    for c in reveal(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// The Atom feed of the newest changes. Its dates are the records' own, so
/// two builds of the same input give the same feed.
pub fn atom(cat: &Catalogue, urls: &Urls, items: &[ChangeItem]) -> String {
    let stamp = |d: &str| format!("{d}T00:00:00Z");
    let updated = items
        .first()
        .map(|i| i.date.clone())
        .or_else(|| cat.date.clone())
        .unwrap_or_else(|| "1970-01-01".into());
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>",
    );
    xml(&mut out, &format!("{}: changes", cat.config.title));
    out.push_str("</title>\n<subtitle>Changes to the tool definitions of the catalogue, newest first.</subtitle>\n<id>");
    xml(&mut out, &urls.abs(&Route::Changes.path()));
    out.push_str("</id>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"");
    xml(&mut out, &urls.abs(&Route::ChangesFeed.path()));
    out.push_str("\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
    xml(&mut out, &urls.abs(&Route::Changes.path()));
    out.push_str("\"/>\n<updated>");
    xml(&mut out, &stamp(&updated));
    out.push_str("</updated>\n<author><name>");
    xml(&mut out, &cat.config.title);
    out.push_str("</name></author>\n<generator>toolrisk</generator>\n");
    for item in items.iter().take(FEED_ENTRIES) {
        let link = if item.tool_url.is_empty() {
            &item.server_url
        } else {
            &item.tool_url
        };
        out.push_str("<entry>\n<title>");
        xml(
            &mut out,
            &format!("{}: {} on {}", item.kind, item.tool_name, item.server_name),
        );
        out.push_str("</title>\n<id>");
        // Stable per change: a hash of the server, the tool, the date, the
        // kind and the entry's place, under the changes page's address.
        let base = urls.abs(link.strip_prefix(urls.base.as_str()).unwrap_or(link));
        xml(
            &mut out,
            &format!("{}#{}", urls.abs(&Route::Changes.path()), entry_key(item)),
        );
        out.push_str("</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
        xml(&mut out, &base);
        out.push_str("\"/>\n<updated>");
        xml(&mut out, &stamp(&item.date));
        out.push_str("</updated>\n<summary type=\"text\">");
        xml(&mut out, &item.summary);
        out.push_str("</summary>\n");
        if !item.detail_html.is_empty() {
            out.push_str("<content type=\"html\">");
            xml(&mut out, &item.detail_html);
            out.push_str("</content>\n");
        }
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}
