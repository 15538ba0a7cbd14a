//! The render driver: every page kind, handed to a sink.
//!
//! Owns walking the catalogue: the home, server, tool, embed, free-form
//! and 404 pages here, the list pages in `lists`, shortcodes in
//! `shortcodes`, the Markdown twins in `twins`, URLs in `urls`. Tool and
//! server pages are rendered in parallel, each thread reusing one buffer;
//! nothing holds the whole site in memory. Problems are collected, not
//! raised, so one build reports all.

use crate::routes::Route;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::Serialize;

use crate::catalogue::{Catalogue, Server, ToolId};
use crate::config::Risk;
use crate::error::{Diagnostic, Diagnostics};
use crate::output::Sink;
use crate::policy;
use crate::render::compiled::typed_view;
use crate::render::selection::{List, Selection};
use crate::render::urls::{Slice, Urls, page_count, page_slice};
use crate::render::views::*;
use crate::render::{PageData, Renderer, seo, tool::tool_view};
use crate::text;

/// Renders every page of the site into `sink`.
pub struct SiteRenderer<'a> {
    pub cat: &'a Catalogue,
    pub renderer: &'a Renderer,
    pub urls: Urls,
    /// When set, only these pages (and the small global ones) are written.
    pub selection: Option<Selection>,
    pub problems: Mutex<Diagnostics>,
    /// Pages written by compiled templates (see `compiled`), not the engine.
    pub compiled_pages: std::sync::atomic::AtomicU64,
    /// The pages the engine wrote, for the test that requires the built-in
    /// templates to be compiled.
    #[cfg(test)]
    pub engine_pages: Mutex<Vec<String>>,
}

thread_local! {
    static BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(64 * 1024));
}

impl<'a> SiteRenderer<'a> {
    pub fn new(cat: &'a Catalogue, renderer: &'a Renderer) -> Self {
        Self::with_urls(cat, renderer, Urls::new(cat, renderer), None)
    }

    /// A renderer over rows built before, writing only `selection` when given.
    pub fn with_urls(
        cat: &'a Catalogue,
        renderer: &'a Renderer,
        urls: Urls,
        selection: Option<Selection>,
    ) -> Self {
        SiteRenderer {
            cat,
            renderer,
            urls,
            selection,
            problems: Mutex::new(Diagnostics::new()),
            compiled_pages: Default::default(),
            #[cfg(test)]
            engine_pages: Default::default(),
        }
    }

    /// The pages of `list` (`total` items under `path`) to write: all of
    /// them in a full render, else only the selected ones, built alone (a
    /// list of 300,000 tools has thousands of pages).
    pub(super) fn slices(&self, list: List, path: &str, total: usize) -> Vec<Slice> {
        let per_page = self.cat.config.per_page;
        (1..=page_count(total, per_page))
            .filter(|&n| self.selection.as_ref().is_none_or(|sel| sel.wants(list, n)))
            .map(|n| page_slice(&self.urls, path, total, per_page, n))
            .collect()
    }

    pub(super) fn report(&self, d: Diagnostic) {
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
            noindex: false,
            markdown_url: String::new(),
        }
    }

    /// Renders `template` and writes it at `path` + `index.html` (or `path` itself when it names a file).
    pub fn page<T: PageData>(
        &self,
        sink: &dyn Sink,
        template: &str,
        path: &str,
        meta: &PageMeta,
        data: T,
    ) {
        let file = crate::routes::file_of(path);
        #[cfg(test)]
        if let Some((_, resolve)) = data.typed() {
            crate::render::compiled::tests::check_fields(
                &serde_json::to_value(&data).expect("page data"),
                resolve,
                template,
            );
        }
        let result = BUFFER.with(|b| {
            let mut buf = b.borrow_mut();
            if self.renderer.render_page(template, meta, &data, &mut buf)? {
                self.compiled_pages
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            } else {
                #[cfg(test)]
                self.engine_pages
                    .lock()
                    .expect("page list")
                    .push(file.clone());
            }
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

    /// Renders the whole site. Returns every problem found. `progress` hears
    /// of every HTML page written, one at a time: the pages the summary counts.
    pub fn render_all(&self, sink: &dyn Sink, progress: &(dyn Fn(u64) + Sync)) -> Diagnostics {
        let counted = crate::output::Counted { sink, progress };
        let sink: &dyn Sink = &counted;
        // The list pages and the per-server pages run side by side; each list
        // is itself parallel over its pages.
        let full = self.selection.is_none();
        rayon::join(
            || {
                self.home(sink);
                self.server_list(sink);
                self.categories(sink);
                self.risks(sink);
                self.attacks(sink);
                self.pages(sink);
                self.flagged(sink);
                self.review(sink);
                self.changes(sink);
                if full || self.selection.as_ref().is_some_and(|s| s.catalogue_json) {
                    crate::render::api::catalogue_json(self, sink);
                    self.llms_txt(sink);
                }
                if full {
                    self.not_found(sink);
                    if self.cat.config.search.enabled {
                        self.search_page(sink);
                    }
                    let headers = crate::render::deploy::headers_file(self.cat);
                    for (route, text) in [
                        (Route::Headers, headers.as_str()),
                        (Route::PolicySchema, policy::POLICY_SCHEMA),
                        (Route::ServerSchema, crate::record::SERVER_SCHEMA),
                        (Route::AttackSchema, crate::content::ATTACK_SCHEMA),
                    ] {
                        self.file(sink, &route.path(), text.as_bytes());
                    }
                }
                if full || self.selection.as_ref().is_some_and(|s| s.sitemap) {
                    seo::sitemaps(self, sink);
                }
            },
            || match &self.selection {
                None => self.cat.servers.par_iter().enumerate().for_each(|(si, s)| {
                    self.server_and_tools(sink, si, s);
                }),
                Some(sel) => {
                    sel.servers.par_iter().for_each(|&si| {
                        self.server_and_tools(sink, si, &self.cat.servers[si]);
                    });
                    sel.tools
                        .par_iter()
                        .filter(|id| !sel.servers.contains(&(id.server as usize)))
                        .for_each(|&id| {
                            let summary = self.urls.server_summary(self.cat.server(id));
                            self.tool(sink, id, &std::sync::Arc::new(summary));
                        });
                }
            },
        );
        let mut problems = std::mem::take(&mut *self.problems.lock().expect("problem list"));
        problems.sort();
        problems
    }

    /// A server's page, its API document and every tool page of it.
    fn server_and_tools(&self, sink: &dyn Sink, si: usize, s: &Server) {
        self.server(sink, s);
        crate::render::api::server_json(self, sink, si);
        let summary = std::sync::Arc::new(self.urls.server_summary(s));
        (0..s.tools.len()).into_par_iter().for_each(|ti| {
            self.tool(
                sink,
                ToolId {
                    server: si as u32,
                    tool: ti as u32,
                },
                &summary,
            );
        });
    }

    fn home(&self, sink: &dyn Sink) {
        let cat = self.cat;
        typed_view! {
            #[derive(Serialize)]
            struct Home<'a> {
                server_count: usize,
                server_count_text: String,
                tool_count: usize,
                tool_count_text: String,
                attack_count_text: String,
                flagged_count: usize,
                date: Option<&'a str>,
                categories: Vec<CategoryView>,
                risks: Vec<RiskView>,
                attacks: &'a [Arc<AttackRow>],
                top_servers: Vec<ServerSummary>,
            }
        }
        let tools = cat.tool_count();
        let attacks: Vec<Arc<AttackRow>> = (0..cat.attacks.len())
            .map(|i| self.urls.attack(cat, i))
            .collect();
        let mut top: Vec<&Server> = cat.servers.iter().collect();
        top.sort_by(|a, b| b.tools.len().cmp(&a.tools.len()).then(a.slug.cmp(&b.slug)));
        let data = Home {
            server_count: cat.servers.len(),
            server_count_text: text::count_s(cat.servers.len(), "server"),
            tool_count: tools,
            tool_count_text: text::count_s(tools, "tool"),
            attack_count_text: text::count(cat.attacks.len(), "attack pattern", "attack patterns"),
            flagged_count: crate::render::lists::flagged_ids(cat).len(),
            date: cat.date.as_deref(),
            categories: (0..cat.config.categories.len())
                .map(|i| self.urls.category_view(cat, i))
                .collect(),
            risks: Risk::ALL
                .iter()
                .rev()
                .map(|&r| self.urls.risk_view(cat, r))
                .collect(),
            attacks: &attacks,
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

    fn tool(&self, sink: &dyn Sink, id: ToolId, server_summary: &std::sync::Arc<ServerSummary>) {
        let s = self.cat.server(id);
        let t = self.cat.tool(id);
        let path = Route::Tool {
            server: &s.slug,
            tool: &t.slug,
        }
        .path();
        let policy = t.policy(&self.cat.config);
        if let Err(e) = policy::validate(&policy) {
            self.report(Diagnostic::in_file(
                &s.file,
                format!(
                    "internal error: the policy of `{}` fails the schema: {e}",
                    t.name
                ),
            ));
        }
        let view = tool_view(
            self.cat,
            self.renderer,
            &self.urls,
            id,
            &policy,
            server_summary.clone(),
        );
        let risk = t.risk().as_str();
        let category = &self.cat.config.categories[t.class.category].name;
        let crumbs = self.urls.crumbs(&[
            ("Servers", self.urls.at(&Route::Servers.path())),
            (&s.name, self.urls.server(s)),
            (&view.display_name, view.url.clone()),
        ]);
        let description = if view.description_text.is_empty() {
            format!(
                "{} from {}: {} risk, {} tool, with a recommended policy.",
                t.shown_name, s.name, risk, category
            )
        } else {
            view.description_text.clone()
        };
        let title = format!("{} ({}) — {} risk", view.display_name, s.name, risk);
        let mut meta = self.meta(title, description, &path, crumbs, "article");
        meta.markdown_url = self.urls.at(&Route::ToolMarkdown {
            server: &s.slug,
            tool: &t.slug,
        }
        .path());
        let embed_path = Route::Embed {
            server: &s.slug,
            tool: &t.slug,
        }
        .path();
        let mut embed_meta = self.meta(
            meta.title.clone(),
            meta.description.clone(),
            &embed_path,
            vec![],
            "article",
        );
        embed_meta.csp = seo::embed_csp();
        embed_meta.jsonld_html = String::new();
        let tool_page = self.urls.abs(&path);
        typed_view! {
            #[derive(Serialize)]
            struct ToolPage<'v> {
                tool: &'v ToolView,
            }
        }
        self.page(sink, "tool.html", &path, &meta, ToolPage { tool: &view });
        typed_view! {
            #[derive(Serialize)]
            struct Embed<'v> {
                tool: &'v ToolView,
                /// The tool's full page, absolute: the card may be shown anywhere.
                tool_page: &'v str,
                embed_css: &'static str,
            }
        }
        self.page(
            sink,
            "embed.html",
            &embed_path,
            &embed_meta,
            Embed {
                tool: &view,
                tool_page: &tool_page,
                embed_css: seo::EMBED_CSS,
            },
        );
        // After the page, which makes the folder.
        self.tool_twin(sink, id, &view);
        self.file(
            sink,
            &Route::ToolPolicy {
                server: &s.slug,
                tool: &t.slug,
            }
            .path(),
            view.policy_json.as_bytes(),
        );
    }

    fn pages(&self, sink: &dyn Sink) {
        for page in &self.cat.pages {
            let body = self.fill_shortcodes(page);
            let path = Route::Page(&page.slug).path();
            let crumbs = self.urls.crumbs(&[(&page.title, self.urls.at(&path))]);
            let description = if page.description.is_empty() {
                page.title.clone()
            } else {
                page.description.clone()
            };
            let meta = self.meta(page.title.clone(), description, &path, crumbs, "article");
            typed_view! {
                #[derive(Serialize)]
                struct OwnPage {
                    body_html: String,
                }
            }
            self.page(sink, "page.html", &path, &meta, OwnPage { body_html: body });
        }
    }

    /// The search results page: a box and an empty list that
    /// `assets/search.js` fills from the query in the address. Not indexed
    /// by search engines (it has no content of its own).
    fn search_page(&self, sink: &dyn Sink) {
        let path = Route::Search.path();
        let crumbs = self.urls.crumbs(&[("Search", self.urls.at(&path))]);
        let mut meta = self.meta(
            "Search".into(),
            "Search every tool, server and attack entry of the catalogue.".into(),
            &path,
            crumbs,
            "website",
        );
        meta.noindex = true;
        self.page(sink, "search.html", &path, &meta, NoData {});
    }

    /// The page shown for an address that leads nowhere.
    fn not_found(&self, sink: &dyn Sink) {
        let meta = self.meta(
            "Page not found".into(),
            "This page does not exist.".into(),
            &Route::NotFound.path(),
            self.urls.crumbs(&[]),
            "website",
        );
        self.page(sink, "404.html", &Route::NotFound.path(), &meta, NoData {});
    }
}

typed_view! {
    /// The data of a page that has none of its own (its template reads
    /// `page` and the globals only).
    #[derive(Serialize)]
    struct NoData {}
}
