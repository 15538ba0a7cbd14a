//! The server page: the server's tools sorted by risk then name, counts by
//! category and by risk, each tool's arguments folded, and the whole
//! server's policy behind a summary of what it allows, limits and hides.

use serde::Serialize;

use crate::catalogue::{Server, ToolId};
use crate::config::Risk;
use crate::error::Diagnostic;
use crate::markdown;
use crate::output::Sink;
use crate::policy;
use crate::render::compiled::typed_view;
use crate::render::pages::SiteRenderer;
use crate::render::urls::Row;
use crate::render::views::*;
use crate::routes::Route;
use crate::text;
use std::sync::Arc;

impl SiteRenderer<'_> {
    pub(super) fn server(&self, sink: &dyn Sink, s: &Server) {
        let cat = self.cat;
        typed_view! {
            #[derive(Serialize)]
            struct ServerPage<'a> {
                server: ServerSummary,
                description_html: String,
                /// Every tool, highest risk first, then by name.
                tools: Vec<Arc<Row>>,
                /// The same tools by risk level, each with its anchor.
                groups: Vec<RiskGroup>,
                by_category: Vec<Link>,
                by_risk: Vec<Link>,
                arguments_html: String,
                /// What the server policy allows, limits and hides, as HTML.
                policy_summary_html: String,
                policy_json: String,
                policy_url: String,
                checked: Option<&'a str>,
            }
        }
        let si = cat
            .find_server(&s.slug)
            .expect("server is in the catalogue") as u32;
        let order = risk_then_name(s);
        let id = |ti: usize| ToolId {
            server: si,
            tool: ti as u32,
        };
        let tools: Vec<Arc<Row>> = order
            .iter()
            .map(|&ti| self.urls.shared_row(cat, self.renderer, id(ti)))
            .collect();
        let mut groups: Vec<RiskGroup> = Vec::new();
        for (&ti, row) in order.iter().zip(&tools) {
            let level = s.tools[ti].risk();
            if groups.last().is_none_or(|g| g.level != level.as_str()) {
                groups.push(RiskGroup {
                    level: level.as_str(),
                    anchor: risk_anchor(level),
                    heading: String::new(),
                    tools: Vec::new(),
                });
            }
            groups.last_mut().expect("pushed").tools.push(row.clone());
        }
        for g in &mut groups {
            g.heading = format!(
                "{} risk: {}",
                text::capitalize(g.level),
                text::count_s(g.tools.len(), "tool")
            );
        }
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
                    url: format!("#{}", risk_anchor(*r)),
                });
            }
        }
        let path = Route::Server(&s.slug).path();
        let policy = s.policy(&self.cat.config);
        let policy_text = policy::to_pretty(&policy);
        if let Err(e) = policy::validate(&policy) {
            self.report(Diagnostic::in_file(
                &s.file,
                format!("internal error: the server policy fails the schema: {e}"),
            ));
        }
        self.file(
            sink,
            &Route::ServerPolicy(&s.slug).path(),
            policy_text.as_bytes(),
        );
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
            ("Servers", self.urls.at(&Route::Servers.path())),
            (&s.name, self.urls.server(s)),
        ]);
        let mut meta = self.meta(
            text::server_title(&s.name),
            description,
            &path,
            crumbs,
            "article",
        );
        meta.markdown_url = self.urls.at(&Route::ServerMarkdown(&s.slug).path());
        self.server_twin(sink, s, &policy_text);
        let data = ServerPage {
            description_html: markdown::untrusted(&s.description),
            server: summary,
            tools,
            groups,
            by_category,
            by_risk,
            arguments_html: crate::render::arguments::server_section_html(
                &order
                    .iter()
                    .map(|&ti| (&s.tools[ti], self.urls.tool(s, &s.tools[ti])))
                    .collect::<Vec<_>>(),
            ),
            policy_summary_html: policy_summary_html(s, &order, &policy),
            policy_json: policy_text,
            policy_url: self.urls.at(&Route::ServerPolicy(&s.slug).path()),
            checked: s.checked.as_deref(),
        };
        self.page(sink, "server.html", &path, &meta, data);
    }
}

typed_view! {
/// One risk level's tools on a server page.
#[derive(Serialize)]
struct RiskGroup {
    level: &'static str,
    /// The `id` of the group's heading, which the counts link to.
    anchor: String,
    /// "High risk: 3 tools".
    heading: String,
    tools: Vec<Arc<Row>>,
}
}

/// The anchor of a risk level's group on a server page.
fn risk_anchor(level: Risk) -> String {
    format!("risk-{}", level.as_str())
}

/// The server's tools (indices), highest risk first, then by name.
fn risk_then_name(s: &Server) -> Vec<usize> {
    let mut order: Vec<usize> = (0..s.tools.len()).collect();
    order.sort_by(|&a, &b| {
        let (ta, tb) = (&s.tools[a], &s.tools[b]);
        tb.risk()
            .cmp(&ta.risk())
            .then_with(|| ta.name.to_lowercase().cmp(&tb.name.to_lowercase()))
            .then(a.cmp(&b))
    });
    order
}

/// What the server policy does with the server's tools, read back from the
/// document: those it lets through untouched, those it limits (rates or
/// conditions on arguments), those that wait for approval, and those it
/// hides or denies.
fn policy_summary_html(s: &Server, order: &[usize], doc: &serde_json::Value) -> String {
    use crate::policy::{Access, PolicySummary};
    let mut free = Vec::new();
    let mut limited = Vec::new();
    let mut approval = Vec::new();
    let mut blocked = Vec::new();
    for t in order.iter().map(|&ti| &s.tools[ti]) {
        let summary = PolicySummary::of(doc, &t.name);
        let bucket = if summary.blocks_every_call() {
            &mut blocked
        } else if matches!(summary.access, Access::Approval { .. }) {
            &mut approval
        } else if summary.limits.is_empty()
            && summary.conditions.is_empty()
            && matches!(summary.access, Access::Allowed)
        {
            &mut free
        } else {
            &mut limited
        };
        bucket.push(t.name.as_str());
    }
    let mut out = String::from("<ul class=\"policy-summary\">");
    let mut line = |names: &[&str], what: &str| {
        if names.is_empty() {
            return;
        }
        out.push_str("<li><strong>");
        out.push_str(&text::count_s(names.len(), "tool"));
        out.push_str("</strong> ");
        out.push_str(what);
        out.push_str(": ");
        const SHOWN: usize = 12;
        for (i, n) in names.iter().take(SHOWN).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str("<code>");
            markdown::escape_into(&mut out, &crate::classify::poison::reveal(n));
            out.push_str("</code>");
        }
        if names.len() > SHOWN {
            out.push_str(&format!(" and {} more", names.len() - SHOWN));
        }
        out.push_str("</li>");
    };
    line(&free, "allowed without limits");
    line(
        &limited,
        "allowed within rate limits or conditions on their arguments",
    );
    line(&approval, "allowed only when a person approves each call");
    line(&blocked, "hidden or denied, so an agent cannot call them");
    out.push_str("</ul>");
    out
}
