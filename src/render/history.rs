//! The tool page's "Definition history" section: when the definition last
//! changed and what changed (a word-level diff of the description, schema
//! properties added or removed, annotations changed), written from the
//! model's history; and the entries of `/changes/` and its feed, which
//! `render::changes` pages and `render::seo` counts. Every text comes from a record and is escaped (hidden
//! characters made visible first) before any markup is added.

use serde::Serialize;

use crate::catalogue::changes::{ChangeNote, DiffOp};
use crate::catalogue::{Catalogue, Tool};
use crate::classify::poison::reveal;
use crate::render::compiled::typed_view;
use crate::render::urls::Urls;
use crate::render::views::esc;
use crate::routes::Route;
use crate::text;

/// The names of changed fields, in words.
pub(super) fn field_words(fields: &[String]) -> String {
    let words: Vec<String> = fields
        .iter()
        .map(|f| match f.as_str() {
            "inputSchema" => "input schema".to_string(),
            other => other.to_string(),
        })
        .collect();
    if words.is_empty() {
        "fields not recorded (pinned by hand)".into()
    } else {
        text::join_and(&words)
    }
}

/// What one change did, as escaped HTML: the word diff, the properties and
/// annotations, and why it raised a flag.
pub(super) fn change_detail_html(out: &mut String, c: &ChangeNote) {
    if !c.description_diff.is_empty() {
        out.push_str("<p class=\"small\">The description, word by word (removed words struck through, added words marked):</p><p class=\"diff\">");
        for part in &c.description_diff {
            let (open, close) = match part.op {
                DiffOp::Same => ("", ""),
                DiffOp::Removed => ("<del>", "</del>"),
                DiffOp::Added => ("<ins>", "</ins>"),
            };
            out.push_str(open);
            esc(out, &part.text);
            out.push_str(close);
        }
        out.push_str("</p>");
    }
    let list = |out: &mut String, label: &str, items: &[String]| {
        if items.is_empty() {
            return;
        }
        out.push_str("<p>");
        out.push_str(label);
        out.push_str(": ");
        for (i, p) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str("<code>");
            esc(out, p);
            out.push_str("</code>");
        }
        out.push_str(".</p>");
    };
    list(out, "Input properties added", &c.properties_added);
    list(out, "Input properties removed", &c.properties_removed);
    list(out, "Annotations changed", &c.annotations_changed);
    if c.partial {
        out.push_str("<p class=\"muted\">The previous definition was not kept whole, so only the names of the changed fields are known.</p>");
    }
    if !c.after_review.is_empty() {
        out.push_str("<p class=\"changed-after-review\"><strong>Changed after review:</strong> ");
        esc(out, &text::capitalize(&text::join_and(&c.after_review)));
        out.push_str(".</p>");
    }
}

/// The tool page's "Definition history" section, or "" when the record
/// has no history.
pub fn tool_history_html(tool: &Tool, urls: &Urls) -> String {
    let Some(h) = &tool.history else {
        return String::new();
    };
    let mut out = String::from(
        "<section aria-labelledby=\"history\"><h2 id=\"history\">Definition history</h2><p>",
    );
    match h.changes.last() {
        None => {
            out.push_str("The definition has not changed since it was first recorded, on ");
            esc(&mut out, &h.since);
            out.push('.');
        }
        Some(last) => {
            out.push_str("The definition last changed on ");
            esc(&mut out, &last.date);
            out.push_str(" (");
            esc(&mut out, &field_words(&last.fields));
            out.push_str("); ");
            out.push_str(&text::count(h.changes.len(), "change", "changes"));
            out.push_str(" recorded since ");
            esc(&mut out, &h.since);
            out.push('.');
        }
    }
    out.push_str(" <a href=\"");
    esc(&mut out, &urls.at(&Route::Changes.path()));
    out.push_str("\">Every change in the catalogue</a>.</p>");
    if let Some(last) = h.changes.last() {
        change_detail_html(&mut out, last);
    }
    out.push_str("</section>");
    out
}

typed_view! {
/// One entry of `/changes/` and the feed.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeItem {
    pub date: String,
    /// "Definition changed", "Tool added", "Tool removed".
    pub kind: String,
    pub tool_name: String,
    /// The tool page; empty for a removed tool.
    pub tool_url: String,
    pub server_name: String,
    pub server_url: String,
    /// What changed, in a sentence.
    pub summary: String,
    /// The diff and details, escaped HTML.
    pub detail_html: String,
    pub flagged: bool,
    /// Where the entry sorts; not shown to templates.
    #[serde(skip)]
    pub(super) sort: SortKey,
}
}

/// Where a change sorts: date, server, tool, place in the tool's history.
/// Not serialized, so templates never see it; to compiled templates it is a
/// field only the engine reads (which then finds nothing).
#[derive(Debug, Clone)]
pub struct SortKey(pub(super) (String, String, String, usize));

impl crate::render::compiled::Field for SortKey {
    fn kind() -> crate::render::compiled::Kind {
        crate::render::compiled::Kind::Opaque
    }
    fn val(&self) -> crate::render::compiled::Val<'_> {
        crate::render::compiled::Val::Opaque
    }
}

/// Every recorded change, newest first.
pub fn change_items(cat: &Catalogue, urls: &Urls) -> Vec<ChangeItem> {
    let mut out = Vec::new();
    for s in &cat.servers {
        for t in &s.tools {
            let Some(h) = &t.history else { continue };
            for (n, c) in h.changes.iter().enumerate() {
                let mut detail = String::new();
                change_detail_html(&mut detail, c);
                out.push(ChangeItem {
                    date: c.date.clone(),
                    kind: "Definition changed".into(),
                    tool_name: t.shown_name.clone(),
                    tool_url: urls.tool(s, t),
                    server_name: s.name.clone(),
                    server_url: urls.server(s),
                    summary: format!("Changed: {}.", field_words(&c.fields)),
                    detail_html: detail,
                    flagged: !c.after_review.is_empty(),
                    sort: SortKey((c.date.clone(), s.slug.clone(), t.name.clone(), n)),
                });
            }
        }
        for (n, e) in s.history.iter().enumerate() {
            for (kind, names) in [("Tool added", &e.added), ("Tool removed", &e.removed)] {
                for name in names {
                    let tool = (kind == "Tool added")
                        .then(|| s.tools.iter().find(|t| &t.name == name))
                        .flatten();
                    out.push(ChangeItem {
                        date: e.date.clone(),
                        kind: kind.into(),
                        tool_name: reveal(name).into_owned(),
                        tool_url: tool.map(|t| urls.tool(s, t)).unwrap_or_default(),
                        server_name: s.name.clone(),
                        server_url: urls.server(s),
                        summary: if kind == "Tool added" {
                            "The server started listing this tool.".into()
                        } else {
                            "The server no longer lists this tool.".into()
                        },
                        detail_html: String::new(),
                        flagged: false,
                        sort: SortKey((e.date.clone(), s.slug.clone(), name.clone(), n)),
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| {
        let (a, b) = (&a.sort.0, &b.sort.0);
        b.0.cmp(&a.0)
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| a.2.cmp(&b.2))
            .then_with(|| b.3.cmp(&a.3))
    });
    out
}
