//! View structs: what templates see.
//!
//! Templates never receive the domain types, only these flat, borrowed
//! views, so the model can change without breaking a user's templates.
//! Every field a built-in template reads is always present (`null` or empty
//! when there is nothing to show). Text fields are raw text and are escaped
//! by the template engine; fields ending in `_html` are already safe HTML
//! produced by this crate (markdown rendered in untrusted mode, or prose
//! escaped before markup was added).

use serde::Serialize;

use std::sync::Arc;

use crate::classify::{Evidence, Finding};
use crate::render::compiled::{Field, Kind, Object, Val, typed_view};

typed_view! {
/// Page metadata shared by every page kind.
#[derive(Debug, Serialize)]
pub struct PageMeta {
    pub title: String,
    pub description: String,
    /// Absolute canonical URL.
    pub canonical: String,
    /// Root-relative URL of the page.
    pub url: String,
    pub breadcrumbs: Vec<Link>,
    /// JSON-LD, already escaped for a `<script>` element.
    pub jsonld_html: String,
    /// `website` or `article`, for Open Graph.
    pub og_type: &'static str,
    /// The Content-Security-Policy of the page.
    pub csp: String,
    /// Asks search engines not to index the page (the review queue).
    pub noindex: bool,
    /// Root-relative URL of the page's Markdown twin (`index.md`), linked
    /// as `rel=alternate`; empty for a page without one.
    pub markdown_url: String,
}
}

typed_view! {
/// A link: text and root-relative URL.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub name: String,
    pub url: String,
}
}

typed_view! {
/// A category as shown in lists and badges.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryView {
    pub name: String,
    /// "a" or "an", for "an execute tool".
    pub article: &'static str,
    pub url: String,
    pub meaning: String,
    pub risk: &'static str,
    pub count: usize,
    pub count_text: String,
}
}

typed_view! {
/// A risk level as shown in lists and badges.
#[derive(Debug, Clone, Serialize)]
pub struct RiskView {
    pub level: &'static str,
    pub url: String,
    pub meaning: &'static str,
    pub count: usize,
    pub count_text: String,
}
}

typed_view! {
/// A server in lists and on tool pages.
#[derive(Debug, Clone, Serialize)]
pub struct ServerSummary {
    pub slug: String,
    pub name: String,
    pub url: String,
    pub description: String,
    pub repository: Option<String>,
    /// `https://github.com/<repository>` when the repository is `owner/name`.
    pub repository_url: Option<String>,
    pub homepage: Option<String>,
    pub tool_count: usize,
    pub tool_count_text: String,
    pub risk: Option<&'static str>,
    /// The record's `extra` object, as written: the site's own data for its
    /// templates (escaped like any other field).
    pub extra: serde_json::Map<String, serde_json::Value>,
}
}

typed_view! {
/// A tool in a list (server table, category and risk pages, related tools).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolRow {
    pub name: String,
    pub display_name: String,
    pub url: String,
    pub server_name: String,
    pub server_url: String,
    pub category: String,
    pub category_url: String,
    pub risk: &'static str,
    pub risk_url: String,
    pub summary: String,
    pub flagged: bool,
    /// The row as `partials/tool_row.html` renders it with the server
    /// column, rendered once per build: a tool is listed on many pages
    /// (its category, risk level, every attack entry that covers it), and
    /// `partials/tool_table.html` prints this instead of rendering the row
    /// again. Empty when the row could not be rendered alone; the table
    /// then renders it in place, where the error is reported.
    pub row_html: crate::render::compiled::SharedText,
}
}

typed_view! {
/// An attack entry in a list.
#[derive(Debug, Clone, Serialize)]
pub struct AttackRow {
    pub slug: String,
    pub title: String,
    pub url: String,
    pub class: String,
    pub severity: &'static str,
    pub summary: String,
    pub date: Option<String>,
    pub categories: Vec<Link>,
}
}

typed_view! {
/// A finding as pages show it: `label` in words, never the serialized
/// `kind` alone.
#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    pub kind: &'static str,
    pub label: &'static str,
    pub quote: String,
    /// The exact span inside `quote`, when the quote is an excerpt.
    pub span: String,
    pub note: String,
}
}

impl From<&Finding> for FindingView {
    fn from(f: &Finding) -> FindingView {
        FindingView {
            kind: f.kind.as_str(),
            label: f.kind.label(),
            quote: f.quote.clone(),
            span: f.span.clone(),
            note: f.note.clone(),
        }
    }
}

typed_view! {
/// A question and its answer; the answer is escaped text with `code` marks.
#[derive(Debug, Clone, Serialize)]
pub struct Faq {
    pub question: String,
    pub answer_html: String,
}
}

typed_view! {
/// Everything about one tool.
#[derive(Debug, Serialize)]
pub struct ToolView {
    pub name: String,
    /// The URL segment.
    pub slug: String,
    pub display_name: String,
    /// True when the display name differs from the raw name.
    pub has_title: bool,
    pub url: String,
    pub embed_url: String,
    /// The `<iframe>` element that shows the embed card elsewhere, as text
    /// to copy (absolute URL).
    pub embed_code: String,
    pub description_html: String,
    pub description_text: String,
    /// The "Arguments" section (`render::arguments`), escaped HTML.
    pub arguments_html: String,
    /// The "Definition history" section, escaped HTML; empty when the
    /// record has no history.
    pub history_html: String,
    /// Shared with the tool's neighbours.
    pub server: Arc<ServerSummary>,
    pub category: Arc<CategoryView>,
    pub risk: Arc<RiskView>,
    pub rationale: String,
    /// How sure the category is, in words, with the number.
    pub confidence_text: String,
    pub category_evidence: Vec<Evidence>,
    pub risk_evidence: Vec<Evidence>,
    pub findings: Vec<FindingView>,
    /// The risk panel under the heading (`render::tool_top`), HTML.
    pub risk_panel_html: String,
    /// The warning a record with findings opens with; empty without.
    pub warning_html: String,
    pub annotations: Vec<Link>,
    pub policy_json: String,
    pub policy_url: String,
    pub policy_explain_html: String,
    /// Each with a `reason`: one sentence saying why the entry applies to
    /// this tool.
    pub attacks: Vec<Listed<AttackRow>>,
    /// How many more entries apply than `attacks` lists.
    pub attacks_more: usize,
    /// Each with a `reason`: what it shares with this tool.
    pub related: Vec<Listed<ToolRow>>,
    pub faq: Vec<Faq>,
}
}

/// A list row shared between pages (an [`Arc`]) and why this page lists
/// it: templates see the row's fields and `reason`.
#[derive(Debug, Clone, Serialize)]
pub struct Listed<T: Serialize> {
    #[serde(flatten)]
    pub row: Arc<T>,
    pub reason: String,
}

/// The position [`Listed`] gives `reason`, past any row's fields.
const REASON: usize = usize::MAX;

impl<T: Object + Serialize + Send> Object for Listed<T> {
    fn resolve(name: &str) -> Option<(usize, Kind)> {
        if name == "reason" {
            return Some((REASON, Kind::Str));
        }
        T::resolve(name)
    }
    fn field(&self, position: usize) -> Val<'_> {
        if position == REASON {
            return Val::Str(&self.reason);
        }
        self.row.field(position)
    }
}

impl<T: Object + Serialize + Send> Field for Listed<T> {
    fn kind() -> Kind {
        Kind::Obj(Self::resolve)
    }
    fn val(&self) -> Val<'_> {
        Val::Obj(self)
    }
}

impl Object for Evidence {
    fn resolve(name: &str) -> Option<(usize, Kind)> {
        let at = ["source", "quote", "note"]
            .iter()
            .position(|n| *n == name)?;
        Some((at, Kind::Str))
    }
    fn field(&self, position: usize) -> Val<'_> {
        match position {
            0 => Val::Str(self.source.as_str()),
            1 => Val::Str(&self.quote),
            _ => Val::Str(&self.note),
        }
    }
}

impl Field for Evidence {
    fn kind() -> Kind {
        Kind::Obj(<Self as Object>::resolve)
    }
    fn val(&self) -> Val<'_> {
        Val::Obj(self)
    }
}

typed_view! {
/// What templates see as `site`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SiteView {
    pub title: String,
    pub description: String,
    pub base_url: String,
    pub base_path: String,
    pub language: String,
    pub date: Option<String>,
    /// True when the search index is built and the search boxes shown.
    pub search: bool,
    /// Category names, for the search box's filter.
    pub categories: Vec<String>,
    pub pages: Vec<Link>,
    pub extra: serde_json::Value,
}
}

typed_view! {
/// One entry of a pagination bar: a page number, or a gap (`…`).
#[derive(Debug, Clone, Serialize)]
pub struct PageLink {
    pub name: String,
    /// Empty for a gap.
    pub url: String,
    pub current: bool,
    pub gap: bool,
}
}

typed_view! {
/// Numbered pages of a long list.
#[derive(Debug, Clone, Serialize)]
pub struct Pagination {
    pub current: usize,
    pub total: usize,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// The first and last pages and those near the current one.
    pub pages: Vec<PageLink>,
    /// "Showing 101–200 of 1,234".
    pub range_text: String,
}
}

/// Appends record text as HTML: hidden characters shown as `[U+XXXX]`
/// first, then escaped. Every fragment the render stage writes by hand
/// (arguments, the top of a tool page, definition history) uses this one.
pub fn esc(out: &mut String, s: &str) {
    crate::markdown::escape_into(out, &crate::classify::poison::reveal(s));
}

/// Escapes text, then turns `backticked` spans into `<code>`.
pub fn code_marks(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut open = false;
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push_str(if open { "</code>" } else { "<code>" });
            open = !open;
        }
        crate::markdown::escape_into(&mut out, part);
    }
    if open {
        out.push_str("</code>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::code_marks;

    #[test]
    fn code_marks_escape_first() {
        assert_eq!(
            code_marks("call `a<b>` now"),
            "call <code>a&lt;b&gt;</code> now"
        );
        assert_eq!(code_marks("odd `x"), "odd <code>x</code>");
    }
}
