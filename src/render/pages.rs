//! The render driver: every page kind, handed to a sink.
//!
//! Owns the URL scheme (see CONTENT-FORMAT.md) through [`Urls`], pagination,
//! and walking the catalogue. Tool and server pages are rendered in
//! parallel, each thread reusing one buffer; nothing holds the whole site in
//! memory. Problems are collected, not raised, so one build reports all.

use std::sync::Mutex;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::catalogue::{Catalogue, Server, Tool, ToolId};
use crate::config::Risk;
use crate::content::{ShortcodeKind, placeholder};
use crate::error::{Diagnostic, Diagnostics};
use crate::markdown;
use crate::output::Sink;
use crate::policy;
use crate::render::views::*;
use crate::render::{Renderer, seo, tool::tool_view};
use crate::text;

/// Builds URLs and small views; knows the site's base path.
pub struct Urls {
    /// `/` or `/sub/`.
    pub base: String,
    /// Absolute base URL, ending in `/`.
    pub absolute: String,
    /// Every tool's list row, built once per render (per server, per tool).
    pub rows: Vec<Vec<ToolRow>>,
    /// Every attack entry's list row, built once per render.
    pub attacks: Vec<AttackRow>,
}

impl Urls {
    pub fn new(cat: &Catalogue) -> Urls {
        let mut urls = Urls {
            base: cat.config.base_path.clone(),
            absolute: cat.config.base_url.clone(),
            rows: Vec::new(),
            attacks: Vec::new(),
        };
        // A tool's row appears on many pages (related tools, categories,
        // risk levels, attack entries); build each once.
        urls.rows = cat
            .servers
            .par_iter()
            .enumerate()
            .map(|(si, s)| {
                (0..s.tools.len())
                    .map(|ti| {
                        urls.build_tool_row(
                            cat,
                            ToolId {
                                server: si as u32,
                                tool: ti as u32,
                            },
                        )
                    })
                    .collect()
            })
            .collect();
        urls.attacks = (0..cat.attacks.len())
            .map(|ai| urls.build_attack_row(cat, ai))
            .collect();
        urls
    }

    /// A tool's list row.
    pub fn tool_row(&self, cat: &Catalogue, id: ToolId) -> ToolRow {
        match self
            .rows
            .get(id.server as usize)
            .and_then(|r| r.get(id.tool as usize))
        {
            Some(row) => row.clone(),
            None => self.build_tool_row(cat, id),
        }
    }

    /// An attack entry's list row.
    pub fn attack_row(&self, cat: &Catalogue, ai: usize) -> AttackRow {
        match self.attacks.get(ai) {
            Some(row) => row.clone(),
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
        self.at(&format!("servers/{}/", s.slug))
    }
    pub fn tool(&self, s: &Server, t: &Tool) -> String {
        self.at(&format!("servers/{}/{}/", s.slug, t.slug))
    }
    pub fn embed(&self, s: &Server, t: &Tool) -> String {
        self.at(&format!("embed/{}/{}/", s.slug, t.slug))
    }
    pub fn category(&self, name: &str) -> String {
        self.at(&format!("categories/{name}/"))
    }
    pub fn risk(&self, r: Risk) -> String {
        self.at(&format!("risk/{}/", r.as_str()))
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
        }
    }

    fn build_attack_row(&self, cat: &Catalogue, ai: usize) -> AttackRow {
        let a = &cat.attacks[ai];
        AttackRow {
            slug: a.slug.clone(),
            title: a.title.clone(),
            url: self.at(&format!("attacks/{}/", a.slug)),
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

/// Splits `total` items into pages under `path` (`servers/`): page 1 at the
/// path itself, page n at `path/page/n/`.
pub fn paginate(urls: &Urls, path: &str, total: usize, per_page: usize) -> Vec<Slice> {
    let pages = total.div_ceil(per_page).max(1);
    let page_path = |n: usize| {
        if n == 1 {
            path.to_string()
        } else {
            format!("{path}page/{n}/")
        }
    };
    (1..=pages)
        .map(|n| {
            let range = ((n - 1) * per_page).min(total)..(n * per_page).min(total);
            let pagination = (pages > 1).then(|| Pagination {
                current: n,
                total: pages,
                previous: (n > 1).then(|| urls.at(&page_path(n - 1))),
                next: (n < pages).then(|| urls.at(&page_path(n + 1))),
                pages: page_window(n, pages)
                    .into_iter()
                    .map(|i| match i {
                        Some(i) => PageLink {
                            name: i.to_string(),
                            url: urls.at(&page_path(i)),
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
                path: page_path(n),
                range,
                pagination,
            }
        })
        .collect()
}

/// A paginated list of tools: which, where, and how it is introduced.
struct ListSpec<'s> {
    ids: &'s [ToolId],
    path: &'s str,
    heading: String,
    intro: String,
    crumbs: Vec<Link>,
    group_by_server: bool,
}

/// The page numbers a pagination bar shows for page `n` of `total`: the
/// first, the last, and two either side of `n`, with `None` for each gap.
/// A fixed number of links per page, however long the list.
pub fn page_window(n: usize, total: usize) -> Vec<Option<usize>> {
    let mut out = Vec::new();
    let mut last = 0;
    for i in 1..=total {
        if i == 1 || i == total || (i + 2 >= n && i <= n + 2) {
            if i > last + 1 {
                out.push(None);
            }
            out.push(Some(i));
            last = i;
        }
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
    }
}

/// What every page's context carries besides its own data.
#[derive(Serialize)]
struct Ctx<'a, T: Serialize> {
    page: &'a PageMeta,
    #[serde(flatten)]
    data: T,
}

/// Renders every page of the site into `sink`.
pub struct SiteRenderer<'a> {
    pub cat: &'a Catalogue,
    pub renderer: &'a Renderer,
    pub urls: Urls,
    pub problems: Mutex<Diagnostics>,
}

thread_local! {
    static BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(64 * 1024));
}

impl<'a> SiteRenderer<'a> {
    pub fn new(cat: &'a Catalogue, renderer: &'a Renderer) -> Self {
        SiteRenderer {
            cat,
            renderer,
            urls: Urls::new(cat),
            problems: Mutex::new(Diagnostics::new()),
        }
    }

    fn report(&self, d: Diagnostic) {
        self.problems.lock().expect("problem list").push(d);
    }

    /// Page metadata for a page at `path`.
    pub fn meta(
        &self,
        title: String,
        description: String,
        path: &str,
        crumbs: Vec<Link>,
        og_type: &'static str,
    ) -> PageMeta {
        let canonical = self.urls.abs(path);
        let jsonld_html = seo::breadcrumb_jsonld(&self.urls, &crumbs, &canonical);
        PageMeta {
            title,
            description: text::one_line(&description, 155),
            canonical,
            url: self.urls.at(path),
            breadcrumbs: crumbs,
            jsonld_html,
            og_type,
            csp: seo::PAGE_CSP.to_string(),
        }
    }

    /// Renders `template` and writes it at `path` + `index.html` (or `path` itself when it names a file).
    pub fn page<T: Serialize>(
        &self,
        sink: &dyn Sink,
        template: &str,
        path: &str,
        meta: &PageMeta,
        data: T,
    ) {
        let file = if path.is_empty() || path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_string()
        };
        let ctx = Ctx { page: meta, data };
        let result = BUFFER.with(|b| {
            let mut buf = b.borrow_mut();
            self.renderer.render_into(template, &ctx, &mut buf)?;
            if self.renderer.minify_pages {
                sink.write_html(&file, &crate::output::minify(&buf))
            } else {
                sink.write_html(&file, &buf)
            }
        });
        if let Err(d) = result {
            self.report(d);
        }
    }

    /// Writes a non-HTML file.
    pub fn file(&self, sink: &dyn Sink, path: &str, bytes: &[u8]) {
        if let Err(d) = sink.write(path, bytes) {
            self.report(d);
        }
    }

    /// Renders the whole site. Returns every problem found.
    pub fn render_all(&self, sink: &dyn Sink, progress: &(dyn Fn(u64) + Sync)) -> Diagnostics {
        // The list pages and the per-server pages run side by side; each list
        // is itself parallel over its pages.
        rayon::join(
            || {
                self.home(sink);
                self.server_list(sink);
                self.categories(sink);
                self.risks(sink);
                self.attacks(sink);
                self.pages(sink);
                self.not_found(sink);
                self.flagged(sink);
                crate::render::api::catalogue_json(self, sink);
                self.file(
                    sink,
                    "schema/policy.schema.json",
                    policy::POLICY_SCHEMA.as_bytes(),
                );
                seo::sitemaps(self, sink);
            },
            || {
                self.cat.servers.par_iter().enumerate().for_each(|(si, s)| {
                    self.server(sink, s);
                    crate::render::api::server_json(self, sink, si);
                    (0..s.tools.len()).into_par_iter().for_each(|ti| {
                        self.tool(
                            sink,
                            ToolId {
                                server: si as u32,
                                tool: ti as u32,
                            },
                        );
                    });
                    progress(s.tools.len() as u64 + 1);
                });
            },
        );
        let mut problems = std::mem::take(&mut *self.problems.lock().expect("problem list"));
        problems.sort();
        problems
    }

    fn home(&self, sink: &dyn Sink) {
        let cat = self.cat;
        #[derive(Serialize)]
        struct Home {
            server_count: usize,
            server_count_text: String,
            tool_count: usize,
            tool_count_text: String,
            attack_count_text: String,
            flagged_count: usize,
            date: Option<String>,
            categories: Vec<CategoryView>,
            risks: Vec<RiskView>,
            attacks: Vec<AttackRow>,
            top_servers: Vec<ServerSummary>,
        }
        let tools = cat.tool_count();
        let mut top: Vec<&Server> = cat.servers.iter().collect();
        top.sort_by(|a, b| b.tools.len().cmp(&a.tools.len()).then(a.slug.cmp(&b.slug)));
        let data = Home {
            server_count: cat.servers.len(),
            server_count_text: text::count_s(cat.servers.len(), "server"),
            tool_count: tools,
            tool_count_text: text::count_s(tools, "tool"),
            attack_count_text: text::count(cat.attacks.len(), "attack pattern", "attack patterns"),
            flagged_count: flagged_ids(cat).len(),
            date: cat.date.clone(),
            categories: (0..cat.config.categories.len())
                .map(|i| self.urls.category_view(cat, i))
                .collect(),
            risks: Risk::ALL
                .iter()
                .rev()
                .map(|&r| self.urls.risk_view(cat, r))
                .collect(),
            attacks: (0..cat.attacks.len())
                .map(|i| self.urls.attack_row(cat, i))
                .collect(),
            top_servers: top
                .into_iter()
                .take(12)
                .map(|s| self.urls.server_summary(s))
                .collect(),
        };
        let description = if cat.config.description.is_empty() {
            format!(
                "Risk pages and recommended policies for {} across {}.",
                data.tool_count_text, data.server_count_text
            )
        } else {
            cat.config.description.clone()
        };
        let meta = self.meta(cat.config.title.clone(), description, "", vec![], "website");
        self.page(sink, "home.html", "", &meta, data);
    }

    fn server_list(&self, sink: &dyn Sink) {
        let cat = self.cat;
        let slices = paginate(
            &self.urls,
            "servers/",
            cat.servers.len(),
            cat.config.per_page,
        );
        slices.into_par_iter().for_each(|slice| {
            #[derive(Serialize)]
            struct List {
                servers: Vec<ServerSummary>,
                total_text: String,
                pagination: Option<Pagination>,
            }
            let data = List {
                servers: cat.servers[slice.range.clone()]
                    .iter()
                    .map(|s| self.urls.server_summary(s))
                    .collect(),
                total_text: text::count_s(cat.servers.len(), "server"),
                pagination: slice.pagination,
            };
            let crumbs = self.urls.crumbs(&[("Servers", self.urls.at("servers/"))]);
            let meta = self.meta(
                "All servers".into(),
                format!("Every MCP server in the catalogue: {}.", data.total_text),
                &slice.path,
                crumbs,
                "website",
            );
            self.page(sink, "servers.html", &slice.path, &meta, data);
        });
    }

    fn server(&self, sink: &dyn Sink, s: &Server) {
        let cat = self.cat;
        #[derive(Serialize)]
        struct ServerPage {
            server: ServerSummary,
            description_html: String,
            tools: Vec<ToolRow>,
            by_category: Vec<Link>,
            by_risk: Vec<Link>,
            policy_json: String,
            policy_url: String,
            checked: Option<String>,
        }
        let si = cat
            .find_server(&s.slug)
            .expect("server is in the catalogue") as u32;
        let tools: Vec<ToolRow> = (0..s.tools.len())
            .map(|ti| {
                self.urls.tool_row(
                    cat,
                    ToolId {
                        server: si,
                        tool: ti as u32,
                    },
                )
            })
            .collect();
        let mut by_category = Vec::new();
        for (ci, c) in cat.config.categories.iter().enumerate() {
            let n = s.tools.iter().filter(|t| t.class.category == ci).count();
            if n > 0 {
                by_category.push(Link {
                    name: format!("{}: {}", c.name, text::count_s(n, "tool")),
                    url: self.urls.category(&c.name),
                });
            }
        }
        let mut by_risk = Vec::new();
        for r in Risk::ALL.iter().rev() {
            let n = s.tools.iter().filter(|t| t.risk() == *r).count();
            if n > 0 {
                by_risk.push(Link {
                    name: format!("{}: {}", r.as_str(), text::count_s(n, "tool")),
                    url: self.urls.risk(*r),
                });
            }
        }
        let path = format!("servers/{}/", s.slug);
        let policy_text = policy::to_pretty(&s.policy);
        if let Err(e) = policy::validate(&s.policy) {
            self.report(Diagnostic::in_file(
                &s.file,
                format!("internal error: the server policy fails the schema: {e}"),
            ));
        }
        self.file(sink, &format!("{path}policy.json"), policy_text.as_bytes());
        let summary = self.urls.server_summary(s);
        let description = if s.description.is_empty() {
            format!(
                "{} and their risk levels, with a recommended policy for the whole server.",
                summary.tool_count_text
            )
        } else {
            markdown::plain_text(&s.description)
        };
        let crumbs = self.urls.crumbs(&[
            ("Servers", self.urls.at("servers/")),
            (&s.name, self.urls.server(s)),
        ]);
        let meta = self.meta(
            text::server_title(&s.name),
            description,
            &path,
            crumbs,
            "article",
        );
        let data = ServerPage {
            description_html: markdown::untrusted(&s.description),
            server: summary,
            tools,
            by_category,
            by_risk,
            policy_json: policy_text,
            policy_url: format!("{}policy.json", self.urls.server(s)),
            checked: s.checked.clone(),
        };
        self.page(sink, "server.html", &path, &meta, data);
    }

    fn tool(&self, sink: &dyn Sink, id: ToolId) {
        let s = self.cat.server(id);
        let t = self.cat.tool(id);
        let path = format!("servers/{}/{}/", s.slug, t.slug);
        if let Err(e) = policy::validate(&t.policy) {
            self.report(Diagnostic::in_file(
                &s.file,
                format!(
                    "internal error: the policy of `{}` fails the schema: {e}",
                    t.name
                ),
            ));
        }
        let view = tool_view(self.cat, &self.urls, id);
        self.file(
            sink,
            &format!("{path}policy.json"),
            view.policy_json.as_bytes(),
        );
        let crumbs = self.urls.crumbs(&[
            ("Servers", self.urls.at("servers/")),
            (&s.name, self.urls.server(s)),
            (&view.display_name, view.url.clone()),
        ]);
        let description = if view.description_text.is_empty() {
            format!(
                "{} from {}: {} risk, {} tool, with a recommended policy.",
                t.shown_name, s.name, view.risk.level, view.category.name
            )
        } else {
            view.description_text.clone()
        };
        let title = format!(
            "{} ({}) — {} risk",
            view.display_name, s.name, view.risk.level
        );
        let meta = self.meta(title, description, &path, crumbs, "article");
        #[derive(Serialize)]
        struct ToolPage<'v> {
            tool: &'v ToolView,
        }
        self.page(sink, "tool.html", &path, &meta, ToolPage { tool: &view });
        let embed_path = format!("embed/{}/{}/", s.slug, t.slug);
        let mut embed_meta = self.meta(
            meta.title.clone(),
            meta.description.clone(),
            &embed_path,
            vec![],
            "article",
        );
        embed_meta.canonical = self.urls.abs(&path);
        embed_meta.csp = seo::embed_csp();
        embed_meta.jsonld_html = String::new();
        #[derive(Serialize)]
        struct Embed<'v> {
            tool: &'v ToolView,
            embed_css: &'static str,
        }
        self.page(
            sink,
            "embed.html",
            &embed_path,
            &embed_meta,
            Embed {
                tool: &view,
                embed_css: seo::EMBED_CSS,
            },
        );
    }

    fn tool_list_pages(&self, sink: &dyn Sink, spec: ListSpec) {
        let ListSpec {
            ids,
            path,
            heading,
            intro,
            crumbs,
            group_by_server,
        } = spec;
        #[derive(Serialize)]
        struct ListPage {
            heading: String,
            intro: String,
            tools: Vec<ToolRow>,
            group_by_server: bool,
            groups: Vec<Group>,
            total_text: String,
            pagination: Option<Pagination>,
        }
        #[derive(Serialize)]
        struct Group {
            name: String,
            url: String,
            tools: Vec<ToolRow>,
        }
        paginate(&self.urls, path, ids.len(), self.cat.config.per_page)
            .into_par_iter()
            .for_each(|slice| {
                let tools: Vec<ToolRow> = ids[slice.range.clone()]
                    .iter()
                    .map(|&id| self.urls.tool_row(self.cat, id))
                    .collect();
                let mut groups: Vec<Group> = Vec::new();
                if group_by_server {
                    for t in &tools {
                        match groups.last_mut() {
                            Some(g) if g.url == t.server_url => g.tools.push(t.clone()),
                            _ => groups.push(Group {
                                name: t.server_name.clone(),
                                url: t.server_url.clone(),
                                tools: vec![t.clone()],
                            }),
                        }
                    }
                }
                let data = ListPage {
                    heading: heading.clone(),
                    intro: intro.clone(),
                    tools,
                    group_by_server,
                    groups,
                    total_text: text::count_s(ids.len(), "tool"),
                    pagination: slice.pagination,
                };
                let meta = self.meta(
                    heading.clone(),
                    intro.clone(),
                    &slice.path,
                    crumbs.clone(),
                    "website",
                );
                self.page(sink, "tool_list.html", &slice.path, &meta, data);
            });
    }

    fn categories(&self, sink: &dyn Sink) {
        let cat = self.cat;
        let views: Vec<CategoryView> = (0..cat.config.categories.len())
            .map(|i| self.urls.category_view(cat, i))
            .collect();
        let crumbs = self
            .urls
            .crumbs(&[("Categories", self.urls.at("categories/"))]);
        let meta = self.meta(
            "Tool categories".into(),
            "What each category of MCP tool can do, and how risky it is.".into(),
            "categories/",
            crumbs.clone(),
            "website",
        );
        #[derive(Serialize)]
        struct Index {
            categories: Vec<CategoryView>,
        }
        self.page(
            sink,
            "categories.html",
            "categories/",
            &meta,
            Index {
                categories: views.clone(),
            },
        );
        views.into_par_iter().enumerate().for_each(|(ci, v)| {
            let path = format!("categories/{}/", v.name);
            let mut crumbs = crumbs.clone();
            crumbs.push(Link {
                name: v.name.clone(),
                url: v.url.clone(),
            });
            let heading = format!("{} tools", crate::text::capitalize(&v.name));
            let intro = format!(
                "{} The catalogue has {} in this category, {} risk by default.",
                text::sentence(&v.meaning),
                v.count_text,
                v.risk
            );
            let spec = ListSpec {
                ids: &cat.index.by_category[ci],
                path: &path,
                heading,
                intro,
                crumbs,
                group_by_server: false,
            };
            self.tool_list_pages(sink, spec);
        });
    }

    fn risks(&self, sink: &dyn Sink) {
        let cat = self.cat;
        let views: Vec<RiskView> = Risk::ALL
            .iter()
            .rev()
            .map(|&r| self.urls.risk_view(cat, r))
            .collect();
        let crumbs = self.urls.crumbs(&[("Risk levels", self.urls.at("risk/"))]);
        let meta = self.meta(
            "Risk levels".into(),
            "The four risk levels of MCP tools and what each means.".into(),
            "risk/",
            crumbs.clone(),
            "website",
        );
        #[derive(Serialize)]
        struct Index {
            risks: Vec<RiskView>,
        }
        self.page(
            sink,
            "risks.html",
            "risk/",
            &meta,
            Index {
                risks: views.clone(),
            },
        );
        views.into_par_iter().for_each(|v| {
            let r = Risk::parse(v.level).expect("risk level");
            let path = format!("risk/{}/", v.level);
            let mut crumbs = crumbs.clone();
            crumbs.push(Link {
                name: v.level.to_string(),
                url: v.url.clone(),
            });
            let heading = format!("{} risk tools", crate::text::capitalize(v.level));
            let intro = format!(
                "{} The catalogue has {} at this level, grouped by server.",
                v.meaning, v.count_text
            );
            let spec = ListSpec {
                ids: &cat.index.by_risk[r as usize],
                path: &path,
                heading,
                intro,
                crumbs,
                group_by_server: true,
            };
            self.tool_list_pages(sink, spec);
        });
    }

    fn attacks(&self, sink: &dyn Sink) {
        let cat = self.cat;
        let rows: Vec<AttackRow> = (0..cat.attacks.len())
            .map(|i| self.urls.attack_row(cat, i))
            .collect();
        let crumbs = self.urls.crumbs(&[("Attacks", self.urls.at("attacks/"))]);
        let meta = self.meta(
            "Attack patterns".into(),
            "How agents are attacked through MCP tools, and the policies that stop each attack."
                .into(),
            "attacks/",
            crumbs.clone(),
            "website",
        );
        #[derive(Serialize)]
        struct Index {
            attacks: Vec<AttackRow>,
        }
        self.page(
            sink,
            "attacks.html",
            "attacks/",
            &meta,
            Index {
                attacks: rows.clone(),
            },
        );
        rows.into_par_iter().enumerate().for_each(|(ai, row)| {
            let a = &cat.attacks[ai];
            let ids = cat.index.attack_tools(ai, a, &cat.config);
            let path = format!("attacks/{}/", a.slug);
            let mut crumbs = crumbs.clone();
            crumbs.push(Link {
                name: a.title.clone(),
                url: row.url.clone(),
            });
            #[derive(Serialize)]
            struct AttackPage {
                attack: AttackRow,
                body_html: String,
                tools: Vec<ToolRow>,
                total_text: String,
                pagination: Option<Pagination>,
            }
            paginate(&self.urls, &path, ids.len(), cat.config.per_page)
                .into_par_iter()
                .for_each(|slice| {
                    let data = AttackPage {
                        attack: row.clone(),
                        body_html: a.body_html.clone(),
                        tools: ids[slice.range.clone()]
                            .iter()
                            .map(|&id| self.urls.tool_row(cat, id))
                            .collect(),
                        total_text: text::count_s(ids.len(), "tool"),
                        pagination: slice.pagination,
                    };
                    let meta = self.meta(
                        a.title.clone(),
                        a.summary.clone(),
                        &slice.path,
                        crumbs.clone(),
                        "article",
                    );
                    self.page(sink, "attack.html", &slice.path, &meta, data);
                });
        });
    }

    fn pages(&self, sink: &dyn Sink) {
        for page in &self.cat.pages {
            let body = self.fill_shortcodes(page);
            let path = format!("{}/", page.slug);
            let crumbs = self.urls.crumbs(&[(&page.title, self.urls.at(&path))]);
            let description = if page.description.is_empty() {
                page.title.clone()
            } else {
                page.description.clone()
            };
            let meta = self.meta(page.title.clone(), description, &path, crumbs, "article");
            #[derive(Serialize)]
            struct PageData {
                body_html: String,
            }
            self.page(
                sink,
                "page.html",
                &path,
                &meta,
                PageData { body_html: body },
            );
        }
    }

    /// The page's HTML with every shortcode placeholder replaced, in one
    /// forward pass over the page's own HTML: inserted snippets (which carry
    /// record text) are never searched, so a description cannot move them.
    fn fill_shortcodes(&self, page: &crate::content::Page) -> String {
        let source = page.body_html.as_str();
        let mut out = String::with_capacity(source.len() * 2);
        let mut rest = source;
        for (i, sc) in page.shortcodes.iter().enumerate() {
            let ph = placeholder(i);
            let Some(at) = rest.find(&ph) else { continue };
            let (mut before, mut after) = (&rest[..at], &rest[at + ph.len()..]);
            // A shortcode alone on its line sits in its own paragraph: drop the paragraph.
            if before.ends_with("<p>") && after.starts_with("</p>") {
                before = &before[..before.len() - 3];
                after = &after[4..];
            }
            out.push_str(before);
            match self.shortcode(sc.kind, &sc.target) {
                Ok(html) => out.push_str(&html),
                Err(mut d) => {
                    d.file = Some(page.file.clone());
                    d.line = Some(sc.line);
                    self.report(d);
                }
            }
            rest = after;
        }
        out.push_str(rest);
        out
    }

    /// Renders one shortcode to HTML.
    pub fn shortcode(&self, kind: ShortcodeKind, target: &str) -> Result<String, Diagnostic> {
        let cat = self.cat;
        match kind {
            ShortcodeKind::Policy | ShortcodeKind::ToolCard => {
                let id = cat.find_tool(target).ok_or_else(|| {
                    Diagnostic::new(format!(
                        "shortcode names tool `{target}`, which is not in the catalogue"
                    ))
                })?;
                let view = tool_view(cat, &self.urls, id);
                let template = if kind == ShortcodeKind::Policy {
                    "shortcodes/policy.html"
                } else {
                    "shortcodes/tool_card.html"
                };
                policy::validate(&cat.tool(id).policy).map_err(|e| {
                    Diagnostic::new(format!("internal error: policy fails the schema: {e}"))
                })?;
                self.renderer.render(template, &json!({ "tool": view }))
            }
            ShortcodeKind::ServerPolicy => {
                let si = cat.find_server(target).ok_or_else(|| {
                    Diagnostic::new(format!(
                        "shortcode names server `{target}`, which is not in the catalogue"
                    ))
                })?;
                let s = &cat.servers[si];
                policy::validate(&s.policy).map_err(|e| {
                    Diagnostic::new(format!("internal error: policy fails the schema: {e}"))
                })?;
                self.renderer.render(
                    "shortcodes/server_policy.html",
                    &json!({ "server": self.urls.server_summary(s), "policy_json": policy::to_pretty(&s.policy), "policy_url": format!("{}policy.json", self.urls.server(s)) }),
                )
            }
        }
    }

    /// Tools whose records carry tool-poisoning markers, with the evidence.
    fn flagged(&self, sink: &dyn Sink) {
        let cat = self.cat;
        let ids = flagged_ids(cat);
        #[derive(Serialize)]
        struct Flagged {
            tool: ToolRow,
            findings: Vec<crate::classify::Finding>,
        }
        #[derive(Serialize)]
        struct FlaggedPage {
            tools: Vec<Flagged>,
            total_text: String,
            pagination: Option<Pagination>,
        }
        let crumbs = self
            .urls
            .crumbs(&[("Flagged tools", self.urls.at("flagged/"))]);
        paginate(&self.urls, "flagged/", ids.len(), cat.config.per_page).into_par_iter().for_each(|slice| {
            let tools = ids[slice.range.clone()]
                .iter()
                .map(|&id| Flagged {
                    tool: self.urls.tool_row(cat, id),
                    findings: cat
                        .tool(id)
                        .class
                        .findings
                        .iter()
                        .filter(|f| f.kind.is_poisoning())
                        .cloned()
                        .collect(),
                })
                .collect();
            let data = FlaggedPage {
                tools,
                total_text: text::count_s(ids.len(), "tool"),
                pagination: slice.pagination,
            };
            let meta = self.meta(
                "Flagged tools".into(),
                "Tools whose records carry tool-poisoning markers: hidden characters, instructions to the model, requests for secrets, shadowed names.".into(),
                &slice.path,
                crumbs.clone(),
                "website",
            );
            self.page(sink, "flagged.html", &slice.path, &meta, data);
        });
    }

    fn not_found(&self, sink: &dyn Sink) {
        let meta = self.meta(
            "Page not found".into(),
            "This page does not exist.".into(),
            "404.html",
            self.urls.crumbs(&[]),
            "website",
        );
        self.page(sink, "404.html", "404.html", &meta, json!({}));
    }
}

/// Tools with tool-poisoning findings, in catalogue order.
pub fn flagged_ids(cat: &Catalogue) -> Vec<ToolId> {
    cat.tool_ids()
        .filter(|&id| cat.tool(id).class.is_poisoned())
        .collect()
}
