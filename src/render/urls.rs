//! URLs and the small views built from them: the URL scheme of
//! docs/content-format.md in one place, the list rows every list page shares
//! (built once per render), and pagination.

use rayon::prelude::*;

use crate::catalogue::{Catalogue, Server, Tool, ToolId};
use crate::config::Risk;
use crate::markdown;
use crate::render::Renderer;
use crate::render::views::*;
use crate::routes::{self, Route};
use crate::text;
use serde::Serialize;
use std::sync::{Arc, OnceLock};

/// A tool's list row, shared by every page that lists the tool: typed for
/// compiled templates, and as a template value for the engine (which a
/// page's context then shares instead of serializing the row again), with
/// its `row_html` held apart (the same shared string).
#[derive(Debug)]
pub struct Row {
    /// The row for compiled templates (shared by the tool pages that list
    /// it as related).
    typed: Arc<ToolRow>,
    value: tera::Value,
    html: tera::Value,
}

impl Row {
    /// The typed row.
    pub fn typed(&self) -> &ToolRow {
        &self.typed
    }
}

impl Serialize for Row {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl crate::render::compiled::Object for Row {
    fn resolve(name: &str) -> Option<(usize, crate::render::compiled::Kind)> {
        <ToolRow as crate::render::compiled::Object>::resolve(name)
    }
    fn field(&self, position: usize) -> crate::render::compiled::Val<'_> {
        crate::render::compiled::Object::field(&*self.typed, position)
    }
}

/// Builds URLs and small views; knows the site's base path.
#[derive(Default)]
pub struct Urls {
    /// `/` or `/sub/`.
    pub base: String,
    /// Absolute base URL, ending in `/`.
    pub absolute: String,
    /// Every tool's list row ([`ToolRow`]) as a template value, built once
    /// per render (per server, per tool): a page that lists a tool shares
    /// its value (a reference count) instead of building and converting the
    /// row again, which was most of a list page's cost. Built up front for
    /// a full render, on first use for a partial one ([`Urls::lazy`]).
    values: Vec<Vec<OnceLock<Arc<Row>>>>,
    /// Every attack entry's list row, built once per render, shared by
    /// every tool page that lists the entry.
    pub attacks: Vec<Arc<AttackRow>>,
    /// Each category's [`CategoryView`] and each risk level's [`RiskView`]
    /// (low first): every tool page shows its own. Their counts move with
    /// the catalogue: [`Urls::refresh_server`] builds them again.
    pub category_views: Vec<Arc<CategoryView>>,
    pub risk_views: Vec<Arc<RiskView>>,
}

impl Urls {
    /// URLs without rows (a placeholder while rows are moved elsewhere).
    pub fn empty(cat: &Catalogue) -> Urls {
        Urls {
            base: cat.config.base_path.clone(),
            absolute: cat.config.base_url.clone(),
            values: Vec::new(),
            attacks: Vec::new(),
            category_views: Vec::new(),
            risk_views: Vec::new(),
        }
    }

    /// URLs and every list row, rendered with `renderer`'s row template.
    pub fn new(cat: &Catalogue, renderer: &Renderer) -> Urls {
        let urls = Urls::lazy(cat);
        // A tool's row appears on many pages (related tools, categories,
        // risk levels, attack entries): a full render shows them all, so
        // they are built up front, in parallel.
        (0..urls.values.len()).into_par_iter().for_each(|si| {
            urls.server_rows(cat, renderer, si);
        });
        urls
    }

    /// URLs whose list rows are built when a page first shows them: for a
    /// render of a few pages, which shows few of them.
    pub fn lazy(cat: &Catalogue) -> Urls {
        let mut urls = Urls::empty(cat);
        urls.values = cat
            .servers
            .iter()
            .map(|s| (0..s.tools.len()).map(|_| OnceLock::new()).collect())
            .collect();
        urls.fill(cat);
        urls
    }

    /// The attack entries' rows and the counts.
    fn fill(&mut self, cat: &Catalogue) {
        let urls = self;
        urls.attacks = (0..cat.attacks.len())
            .map(|ai| Arc::new(urls.build_attack_row(cat, ai)))
            .collect();
        urls.refresh_counts(cat);
    }

    /// Builds the category and risk-level views again (their counts).
    fn refresh_counts(&mut self, cat: &Catalogue) {
        self.category_views = (0..cat.config.categories.len())
            .map(|ci| Arc::new(self.category_view(cat, ci)))
            .collect();
        self.risk_views = Risk::ALL
            .iter()
            .map(|&r| Arc::new(self.risk_view(cat, r)))
            .collect();
    }

    /// One tool's list row as a template value, with its table row
    /// rendered.
    fn tool_row(&self, cat: &Catalogue, renderer: &Renderer, id: ToolId) -> Row {
        #[derive(Serialize)]
        struct RowContext<'a> {
            t: &'a tera::Value,
            show_server: bool,
        }
        let mut row = self.build_tool_row(cat, id);
        let value = tera::Value::from_serializable(&row);
        let context = RowContext {
            t: &value,
            show_server: true,
        };
        match renderer.render("partials/tool_row.html", &context) {
            Ok(html) => {
                // `row_html` is the row's last field: set in place, not
                // serialized again with the rest.
                let html = tera::Value::from(html);
                row.row_html = crate::render::compiled::SharedText(html.clone());
                let mut map = value.into_map().unwrap_or_default();
                map.insert("row_html".into(), html.clone());
                Row {
                    typed: Arc::new(row),
                    value: tera::Value::from(map),
                    html,
                }
            }
            Err(_) => Row {
                typed: Arc::new(row),
                value,
                html: tera::Value::from(""),
            },
        }
    }

    /// Forgets the rows of the server at `si` after it changed (they are
    /// built again on first use), and counts again.
    pub fn refresh_server(&mut self, cat: &Catalogue, si: usize) {
        self.values[si] = (0..cat.servers[si].tools.len())
            .map(|_| OnceLock::new())
            .collect();
        self.refresh_counts(cat);
    }

    /// The list rows of the server at `si`, built where they were not yet.
    pub fn server_rows(&self, cat: &Catalogue, renderer: &Renderer, si: usize) -> Vec<Arc<Row>> {
        (0..self.values.get(si).map_or(0, Vec::len))
            .map(|ti| {
                self.shared_row(
                    cat,
                    renderer,
                    ToolId {
                        server: si as u32,
                        tool: ti as u32,
                    },
                )
            })
            .collect()
    }

    /// A tool's list row, shared.
    pub fn shared_row(&self, cat: &Catalogue, renderer: &Renderer, id: ToolId) -> Arc<Row> {
        self.with_row(cat, renderer, id, Arc::clone)
    }

    /// Calls `f` with a tool's row, built on first use.
    fn with_row<T>(
        &self,
        cat: &Catalogue,
        renderer: &Renderer,
        id: ToolId,
        f: impl FnOnce(&Arc<Row>) -> T,
    ) -> T {
        match self
            .values
            .get(id.server as usize)
            .and_then(|r| r.get(id.tool as usize))
        {
            Some(cell) => f(cell.get_or_init(|| Arc::new(self.tool_row(cat, renderer, id)))),
            // Rows outside the table (URLs without rows): the value alone.
            None => {
                let row = self.build_tool_row(cat, id);
                f(&Arc::new(Row {
                    value: tera::Value::from_serializable(&row),
                    typed: Arc::new(row),
                    html: tera::Value::from(""),
                }))
            }
        }
    }

    /// The list rows of `ids`, shared, and their table rows
    /// (`row_html`, with the server column) printed one after another, or
    /// `""` when one of them could not be rendered alone. A list page prints
    /// the joined rows as one string: a template loop over 100 rows, each
    /// looked up and copied, cost most of the page.
    pub fn rows(
        &self,
        cat: &Catalogue,
        renderer: &Renderer,
        ids: &[ToolId],
    ) -> (Vec<Arc<Row>>, String) {
        let mut html = String::new();
        let mut complete = true;
        let values = ids
            .iter()
            .map(|&id| {
                self.with_row(cat, renderer, id, |row| {
                    match row.html.as_str().filter(|h| !h.is_empty()) {
                        Some(h) if complete => html.push_str(h),
                        _ => complete = false,
                    }
                    row.clone()
                })
            })
            .collect();
        if !complete {
            html.clear();
        }
        (values, html)
    }

    /// A tool's list row, typed.
    pub fn row(&self, cat: &Catalogue, renderer: &Renderer, id: ToolId) -> Arc<ToolRow> {
        self.with_row(cat, renderer, id, |row| row.typed.clone())
    }

    /// An attack entry's list row, typed.
    pub fn attack(&self, cat: &Catalogue, ai: usize) -> Arc<AttackRow> {
        match self.attacks.get(ai) {
            Some(row) => row.clone(),
            None => Arc::new(self.build_attack_row(cat, ai)),
        }
    }

    /// A category's view, typed.
    pub fn category_typed(&self, cat: &Catalogue, ci: usize) -> Arc<CategoryView> {
        match self.category_views.get(ci) {
            Some(v) => v.clone(),
            None => Arc::new(self.category_view(cat, ci)),
        }
    }

    /// A risk level's view, typed.
    pub fn risk_typed(&self, cat: &Catalogue, r: Risk) -> Arc<RiskView> {
        match self.risk_views.get(r as usize) {
            Some(v) => v.clone(),
            None => Arc::new(self.risk_view(cat, r)),
        }
    }

    pub fn attack_row(&self, cat: &Catalogue, ai: usize) -> AttackRow {
        match self.attacks.get(ai) {
            Some(row) => (**row).clone(),
            None => self.build_attack_row(cat, ai),
        }
    }
    /// Root-relative URL of a site path (`servers/x/`).
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    /// Absolute URL of a site path.
    pub fn abs(&self, path: &str) -> String {
        format!("{}{path}", self.absolute)
    }
    pub fn server(&self, s: &Server) -> String {
        self.at(&Route::Server(&s.slug).path())
    }
    pub fn tool(&self, s: &Server, t: &Tool) -> String {
        self.at(&Route::Tool {
            server: &s.slug,
            tool: &t.slug,
        }
        .path())
    }
    pub fn embed(&self, s: &Server, t: &Tool) -> String {
        self.at(&Route::Embed {
            server: &s.slug,
            tool: &t.slug,
        }
        .path())
    }
    pub fn category(&self, name: &str) -> String {
        self.at(&Route::Category(name).path())
    }
    pub fn risk(&self, r: Risk) -> String {
        self.at(&Route::Risk(r.as_str()).path())
    }

    pub fn server_summary(&self, s: &Server) -> ServerSummary {
        let repository_url = s.repository.as_ref().and_then(|r| {
            let ok = r.split('/').count() == 2
                && r.split('/').all(|p| {
                    !p.is_empty()
                        && p.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
                });
            ok.then(|| format!("https://github.com/{r}"))
        });
        ServerSummary {
            slug: s.slug.clone(),
            name: s.name.clone(),
            url: self.server(s),
            description: markdown::plain_text(&s.description),
            repository: s.repository.clone(),
            repository_url,
            homepage: s
                .homepage
                .clone()
                .filter(|h| markdown::is_safe_url(h) && !h.starts_with("mailto:")),
            tool_count: s.tools.len(),
            tool_count_text: text::count_s(s.tools.len(), "tool"),
            risk: s.overall_risk().map(Risk::as_str),
            extra: s.extra.clone(),
        }
    }

    pub fn category_view(&self, cat: &Catalogue, ci: usize) -> CategoryView {
        let c = &cat.config.categories[ci];
        let count = cat.index.by_category[ci].len();
        CategoryView {
            name: c.name.clone(),
            article: text::article(&c.name),
            url: self.category(&c.name),
            meaning: c.meaning.clone(),
            risk: c.risk.as_str(),
            count,
            count_text: text::count_s(count, "tool"),
        }
    }

    pub fn risk_view(&self, cat: &Catalogue, r: Risk) -> RiskView {
        let count = cat.index.by_risk[r as usize].len();
        RiskView {
            level: r.as_str(),
            url: self.risk(r),
            meaning: r.meaning(),
            count,
            count_text: text::count_s(count, "tool"),
        }
    }

    fn build_tool_row(&self, cat: &Catalogue, id: ToolId) -> ToolRow {
        let s = cat.server(id);
        let t = cat.tool(id);
        let category = &cat.config.categories[t.class.category].name;
        ToolRow {
            name: t.shown_name.clone(),
            display_name: t.display_name().to_string(),
            url: self.tool(s, t),
            server_name: s.name.clone(),
            server_url: self.server(s),
            category: category.clone(),
            category_url: self.category(category),
            risk: t.risk().as_str(),
            risk_url: self.risk(t.risk()),
            summary: t.summary.clone(),
            flagged: t.class.findings.iter().any(|f| f.kind.is_poisoning()),
            row_html: Default::default(),
        }
    }

    fn build_attack_row(&self, cat: &Catalogue, ai: usize) -> AttackRow {
        let a = &cat.attacks[ai];
        AttackRow {
            slug: a.slug.clone(),
            title: a.title.clone(),
            url: self.at(&Route::Attack(&a.slug).path()),
            class: a.class.clone(),
            severity: a.severity.as_str(),
            summary: a.summary.clone(),
            date: a.date.clone(),
            categories: a
                .categories
                .iter()
                .map(|c| Link {
                    name: c.clone(),
                    url: self.category(c),
                })
                .collect(),
        }
    }

    /// Breadcrumbs from Home through `trail`.
    pub fn crumbs(&self, trail: &[(&str, String)]) -> Vec<Link> {
        let mut out = vec![Link {
            name: "Home".into(),
            url: self.at(""),
        }];
        out.extend(trail.iter().map(|(n, u)| Link {
            name: n.to_string(),
            url: u.clone(),
        }));
        out
    }
}

/// One page of a paginated list.
pub struct Slice {
    pub path: String,
    pub range: std::ops::Range<usize>,
    pub pagination: Option<Pagination>,
}

/// How many pages `total` items fill at `per_page` a page (at least one).
pub fn page_count(total: usize, per_page: usize) -> usize {
    total.div_ceil(per_page.max(1)).max(1)
}

/// The site path of page `n` of a list at `path`: the path itself for the
/// first, `path/page/n/` for the others.
pub fn page_path(path: &str, n: usize) -> String {
    routes::list_page(path, n)
}

/// Page `n` of `total` items under `path` (`servers/`).
pub fn page_slice(urls: &Urls, path: &str, total: usize, per_page: usize, n: usize) -> Slice {
    let per_page = per_page.max(1);
    let pages = page_count(total, per_page);
    let range = ((n - 1) * per_page).min(total)..(n * per_page).min(total);
    let pagination = (pages > 1).then(|| Pagination {
        current: n,
        total: pages,
        previous: (n > 1).then(|| urls.at(&page_path(path, n - 1))),
        next: (n < pages).then(|| urls.at(&page_path(path, n + 1))),
        pages: page_window(n, pages)
            .into_iter()
            .map(|i| match i {
                Some(i) => PageLink {
                    name: i.to_string(),
                    url: urls.at(&page_path(path, i)),
                    current: i == n,
                    gap: false,
                },
                None => PageLink {
                    name: "…".into(),
                    url: String::new(),
                    current: false,
                    gap: true,
                },
            })
            .collect(),
        range_text: format!("Showing {}–{} of {}", range.start + 1, range.end, total),
    });
    Slice {
        path: page_path(path, n),
        range,
        pagination,
    }
}

/// The page numbers a pagination bar shows for page `n` of `total`: the
/// first, the last, and two either side of `n`, with `None` for each gap.
/// A fixed number of links per page, however long the list, found without
/// looking at the pages in between.
pub fn page_window(n: usize, total: usize) -> Vec<Option<usize>> {
    let mut shown: Vec<usize> = [1, total]
        .into_iter()
        .chain(n.saturating_sub(2)..=n + 2)
        .filter(|&i| (1..=total).contains(&i))
        .collect();
    shown.sort_unstable();
    shown.dedup();
    let mut out = Vec::with_capacity(shown.len() + 2);
    let mut last = 0;
    for i in shown {
        if i > last + 1 {
            out.push(None);
        }
        out.push(Some(i));
        last = i;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::page_window;

    #[test]
    fn pagination_shows_a_window() {
        let w = |n, t| {
            page_window(n, t)
                .into_iter()
                .map(|x| x.map_or("…".to_string(), |i| i.to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(w(1, 1), "1");
        assert_eq!(w(1, 3), "1 2 3");
        assert_eq!(w(1, 10), "1 2 3 … 10");
        assert_eq!(w(5, 10), "1 … 3 4 5 6 7 … 10");
        assert_eq!(w(10, 10), "1 … 8 9 10");
        assert_eq!(w(4, 10), "1 2 3 4 5 6 … 10");
        assert_eq!(w(2, 2), "1 2");
        assert_eq!(w(3, 5), "1 2 3 4 5");
        assert_eq!(w(7, 1000), "1 … 5 6 7 8 9 … 1000");
    }

    #[test]
    fn the_window_matches_a_scan_of_every_page() {
        // The rule stated plainly: page i is shown when it is the first,
        // the last, or within two of n; a gap stands for skipped pages.
        for total in 1..40 {
            for n in 1..=total {
                let mut want = Vec::new();
                let mut last = 0;
                for i in 1..=total {
                    if i == 1 || i == total || (i + 2 >= n && i <= n + 2) {
                        if i > last + 1 {
                            want.push(None);
                        }
                        want.push(Some(i));
                        last = i;
                    }
                }
                assert_eq!(page_window(n, total), want, "page {n} of {total}");
            }
        }
    }
}
