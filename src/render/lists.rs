//! The list pages: all servers, categories, risk levels, the attack
//! database and the flagged tools, each paginated and each parallel over
//! its pages.

use crate::routes::Route;
use rayon::prelude::*;
use serde::Serialize;

use crate::catalogue::{Catalogue, ToolId};
use crate::config::Risk;
use crate::output::Sink;
use crate::render::compiled::typed_view;
use crate::render::pages::SiteRenderer;
use crate::render::selection::List;
use crate::render::urls::Row;
use crate::render::views::*;
use crate::text;
use std::sync::Arc;

/// A paginated list of tools: which, where, and how it is introduced.
pub(super) struct ListSpec<'s> {
    list: List,
    ids: &'s [ToolId],
    path: &'s str,
    heading: String,
    intro: String,
    crumbs: Vec<Link>,
    group_by_server: bool,
}

impl SiteRenderer<'_> {
    pub(super) fn server_list(&self, sink: &dyn Sink) {
        let cat = self.cat;
        let slices = self.slices(List::Servers, &Route::Servers.path(), cat.servers.len());
        slices.into_par_iter().for_each(|slice| {
            typed_view! {
                #[derive(Serialize)]
                struct List {
                    servers: Vec<ServerSummary>,
                    total_text: String,
                    pagination: Option<Pagination>,
                }
            }
            let data = List {
                servers: cat.servers[slice.range.clone()]
                    .iter()
                    .map(|s| self.urls.server_summary(s))
                    .collect(),
                total_text: text::count_s(cat.servers.len(), "server"),
                pagination: slice.pagination,
            };
            let crumbs = self
                .urls
                .crumbs(&[("Servers", self.urls.at(&Route::Servers.path()))]);
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

    pub(super) fn tool_list_pages(&self, sink: &dyn Sink, spec: ListSpec) {
        let ListSpec {
            list,
            ids,
            path,
            heading,
            intro,
            crumbs,
            group_by_server,
        } = spec;
        typed_view! {
            #[derive(Serialize)]
            struct ListPage<'a> {
                heading: &'a str,
                intro: &'a str,
                /// The rows, each shared with every page that lists it.
                tools: Vec<Arc<Row>>,
                /// The rows of `tools` as HTML, see [`Urls::rows`].
                rows_html: String,
                group_by_server: bool,
                groups: Vec<Group>,
                total_text: String,
                pagination: Option<Pagination>,
            }
        }
        typed_view! {
            #[derive(Serialize)]
            struct Group {
                name: String,
                url: String,
                tools: Vec<Arc<Row>>,
            }
        }
        self.slices(list, path, ids.len())
            .into_par_iter()
            .for_each(|slice| {
                let slice_ids = &ids[slice.range.clone()];
                let (tools, rows_html) = self.urls.rows(self.cat, self.renderer, slice_ids);
                let mut groups: Vec<Group> = Vec::new();
                let mut group_server = None;
                if group_by_server {
                    for (&id, value) in slice_ids.iter().zip(&tools) {
                        match groups.last_mut() {
                            Some(g) if group_server == Some(id.server) => {
                                g.tools.push(value.clone())
                            }
                            _ => {
                                let s = &self.cat.servers[id.server as usize];
                                group_server = Some(id.server);
                                groups.push(Group {
                                    name: s.name.clone(),
                                    url: self.urls.server(s),
                                    tools: vec![value.clone()],
                                })
                            }
                        }
                    }
                }
                let data = ListPage {
                    heading: &heading,
                    intro: &intro,
                    tools,
                    rows_html,
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

    pub(super) fn categories(&self, sink: &dyn Sink) {
        let cat = self.cat;
        let views: Vec<CategoryView> = (0..cat.config.categories.len())
            .map(|i| self.urls.category_view(cat, i))
            .collect();
        let crumbs = self
            .urls
            .crumbs(&[("Categories", self.urls.at(&Route::Categories.path()))]);
        let meta = self.meta(
            "Tool categories".into(),
            "What each category of MCP tool can do, and how risky it is.".into(),
            &Route::Categories.path(),
            crumbs.clone(),
            "website",
        );
        typed_view! {
            #[derive(Serialize)]
            struct Index<'a> {
                categories: &'a [CategoryView],
            }
        }
        self.page(
            sink,
            "categories.html",
            &Route::Categories.path(),
            &meta,
            Index { categories: &views },
        );
        views.into_par_iter().enumerate().for_each(|(ci, v)| {
            let path = Route::Category(&v.name).path();
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
                list: List::Category(ci),
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

    pub(super) fn risks(&self, sink: &dyn Sink) {
        let cat = self.cat;
        let views: Vec<RiskView> = Risk::ALL
            .iter()
            .rev()
            .map(|&r| self.urls.risk_view(cat, r))
            .collect();
        let crumbs = self
            .urls
            .crumbs(&[("Risk levels", self.urls.at(&Route::Risks.path()))]);
        let meta = self.meta(
            "Risk levels".into(),
            "The four risk levels of MCP tools and what each means.".into(),
            &Route::Risks.path(),
            crumbs.clone(),
            "website",
        );
        typed_view! {
            #[derive(Serialize)]
            struct Index<'a> {
                risks: &'a [RiskView],
            }
        }
        self.page(
            sink,
            "risks.html",
            &Route::Risks.path(),
            &meta,
            Index { risks: &views },
        );
        views.into_par_iter().for_each(|v| {
            let r = Risk::parse(v.level).expect("risk level");
            let path = Route::Risk(v.level).path();
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
                list: List::Risk(r as usize),
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

    pub(super) fn attacks(&self, sink: &dyn Sink) {
        let cat = self.cat;
        let rows: Vec<AttackRow> = (0..cat.attacks.len())
            .map(|i| self.urls.attack_row(cat, i))
            .collect();
        let crumbs = self
            .urls
            .crumbs(&[("Attacks", self.urls.at(&Route::Attacks.path()))]);
        let meta = self.meta(
            "Attack patterns".into(),
            "How agents are attacked through MCP tools, and the policies that stop each attack."
                .into(),
            &Route::Attacks.path(),
            crumbs.clone(),
            "website",
        );
        typed_view! {
            #[derive(Serialize)]
            struct Index<'a> {
                attacks: &'a [AttackRow],
            }
        }
        self.page(
            sink,
            "attacks.html",
            &Route::Attacks.path(),
            &meta,
            Index { attacks: &rows },
        );
        rows.into_par_iter().enumerate().for_each(|(ai, row)| {
            let a = &cat.attacks[ai];
            if self
                .selection
                .as_ref()
                .is_some_and(|s| !s.lists.contains_key(&List::Attack(ai)))
            {
                return;
            }
            let ids = cat.index.attack_tools(ai);
            let path = Route::Attack(&a.slug).path();
            let mut crumbs = crumbs.clone();
            crumbs.push(Link {
                name: a.title.clone(),
                url: row.url.clone(),
            });
            typed_view! {
                #[derive(Serialize)]
                struct AttackPage<'a> {
                    attack: &'a AttackRow,
                    body_html: &'a str,
                    /// The rows, each shared with every page that lists it.
                    tools: Vec<Arc<Row>>,
                    /// The rows of `tools` as HTML, see [`Urls::rows`].
                    rows_html: String,
                    total_text: String,
                    pagination: Option<Pagination>,
                }
            }
            self.slices(List::Attack(ai), &path, ids.len())
                .into_par_iter()
                .for_each(|slice| {
                    let (tools, rows_html) =
                        self.urls
                            .rows(cat, self.renderer, &ids[slice.range.clone()]);
                    let data = AttackPage {
                        attack: &row,
                        body_html: &a.body_html,
                        tools,
                        rows_html,
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

    pub(super) fn flagged(&self, sink: &dyn Sink) {
        let cat = self.cat;
        let ids = flagged_ids(cat);
        typed_view! {
            #[derive(Serialize)]
            struct Flagged {
                tool: Arc<Row>,
                findings: Vec<FindingView>,
            }
        }
        typed_view! {
            #[derive(Serialize)]
            struct FlaggedPage {
                tools: Vec<Flagged>,
                total_text: String,
                pagination: Option<Pagination>,
            }
        }
        let crumbs = self
            .urls
            .crumbs(&[("Flagged tools", self.urls.at(&Route::Flagged.path()))]);
        self.slices(List::Flagged, &Route::Flagged.path(), ids.len()).into_par_iter().for_each(|slice| {
            let tools = ids[slice.range.clone()]
                .iter()
                .map(|&id| Flagged {
                    tool: self.urls.shared_row(cat, self.renderer, id),
                    findings: cat
                        .tool(id)
                        .class
                        .findings
                        .iter()
                        .filter(|f| f.kind.is_poisoning())
                        .map(FindingView::from)
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
}

impl SiteRenderer<'_> {
    /// `/review/`: the tools classified with a confidence below the site's
    /// `[review] below`, with their evidence and runner-up category, for the
    /// people who keep the catalogue. Marked noindex, left out of the
    /// sitemap and linked from no page.
    pub(super) fn review(&self, sink: &dyn Sink) {
        let cat = self.cat;
        let ids = review_ids(cat);
        typed_view! {
            #[derive(Serialize)]
            struct Queued<'a> {
                tool: Arc<Row>,
                category: &'a str,
                confidence: String,
                runner_up: Option<&'a str>,
                evidence: &'a [crate::classify::Evidence],
            }
        }
        typed_view! {
            #[derive(Serialize)]
            struct ReviewPage<'a> {
                tools: Vec<Queued<'a>>,
                total_text: String,
                threshold: String,
                pagination: Option<Pagination>,
            }
        }
        let crumbs = self
            .urls
            .crumbs(&[("Review queue", self.urls.at(&Route::Review.path()))]);
        self.slices(List::Review, &Route::Review.path(), ids.len()).into_par_iter().for_each(|slice| {
            let tools = ids[slice.range.clone()]
                .iter()
                .map(|&id| {
                    let class = &cat.tool(id).class;
                    Queued {
                        tool: self.urls.shared_row(cat, self.renderer, id),
                        category: &cat.config.categories[class.category].name,
                        confidence: format!("{:.2}", class.confidence),
                        runner_up: class
                            .runner_up
                            .map(|r| cat.config.categories[r].name.as_str()),
                        evidence: &class.category_evidence,
                    }
                })
                .collect();
            let data = ReviewPage {
                tools,
                total_text: text::count_s(ids.len(), "tool"),
                threshold: format!("{:.2}", cat.config.review.below),
                pagination: slice.pagination,
            };
            let mut meta = self.meta(
                "Review queue".into(),
                "Tools whose classification is uncertain, with the evidence and the runner-up category, for review.".into(),
                &slice.path,
                crumbs.clone(),
                "website",
            );
            meta.noindex = true;
            self.page(sink, "review.html", &slice.path, &meta, data);
        });
    }
}

/// Tools whose category the classifier is unsure of (confidence below the
/// site's `[review] below`), least sure first; a category set in the record
/// is sure.
pub fn review_ids(cat: &Catalogue) -> Vec<ToolId> {
    let below = cat.config.review.below;
    let mut ids: Vec<ToolId> = cat
        .tool_ids()
        .filter(|&id| cat.tool(id).class.confidence < below)
        .collect();
    ids.sort_by(|&a, &b| {
        cat.tool(a)
            .class
            .confidence
            .total_cmp(&cat.tool(b).class.confidence)
            .then(a.cmp(&b))
    });
    ids
}

/// Tools with tool-poisoning findings, in catalogue order.
pub fn flagged_ids(cat: &Catalogue) -> Vec<ToolId> {
    cat.tool_ids()
        .filter(|&id| cat.tool(id).class.is_poisoned())
        .collect()
}

/// About how many HTML pages a full build of `cat` writes, known before
/// the render (for the progress bar's length): every tool's page and
/// embed card, every server's page, the numbered pages of the server,
/// category and risk lists, one page per attack entry and free page, and
/// the handful of single pages. An attack entry's list may run to more
/// pages than one, and the flagged and review lists too; those are counted
/// as one each, so the figure may fall a little short on a large site.
pub fn expected_pages(cat: &Catalogue) -> usize {
    use super::urls::page_count;
    let per_page = cat.config.per_page;
    let lists: usize = cat
        .index
        .by_category
        .iter()
        .chain(&cat.index.by_risk)
        .map(|ids| page_count(ids.len(), per_page))
        .sum();
    // home, categories/, risk/, attacks/, 404, flagged/, review/, and
    // search/ when the site has search
    let singles = 7 + usize::from(cat.config.search.enabled);
    2 * cat.tool_count()
        + cat.servers.len()
        + page_count(cat.servers.len(), per_page)
        + lists
        + cat.attacks.len()
        + cat.pages.len()
        + singles
}
