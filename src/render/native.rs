//! The tool page and its embed card, written without the template engine.
//!
//! Tool pages and embed cards are 85% of a catalogue's pages, and the
//! template engine's work on them (a hashed lookup per `{{ t.x.y }}`, a
//! copy of every string into a template value first) was a fifth of a
//! cold build's instructions. When a site minifies its pages and does not
//! replace the templates behind these two pages, those are fixed: the
//! built-in `base.html`, `tool.html`, `embed.html` and
//! `partials/policy.html` ([`MIRRORED`]), minified when the binary starts. This module
//! writes exactly the bytes the engine renders from them, from the same
//! [`ToolView`] and [`PageMeta`], escaping every text field with the
//! engine's own [`tera::escape_html`].
//!
//! It is a mirror, so it is checked as one: a test renders every tool and
//! embed page of the fixture sites (hostile records included) both ways and
//! requires identical bytes. An edit to one of those four templates fails
//! that test until this module follows it. Any value of an unexpected shape
//! makes [`Native`] return [`Unsupported`], and the page is rendered by the
//! engine instead.

use tera::Value;

/// The built-in templates this module mirrors. A site that replaces none of
/// them (and whose own templates put none of their text where whitespace
/// counts) still has its tool pages and cards written here; its own header
/// and footer arrive rendered.
pub const MIRRORED: &[&str] = &[
    "base.html",
    "tool.html",
    "embed.html",
    "partials/policy.html",
];

use crate::classify::Evidence;
use crate::render::views::{PageMeta, ToolView};

/// What the built-in base template reads from the site settings.
#[derive(Debug, Clone)]
pub struct Native {
    language: String,
    title: String,
    base_path: String,
    search: bool,
    header_html: String,
    footer_html: String,
}

/// A value of a shape this module does not write; the engine renders the
/// page instead.
#[derive(Debug)]
pub struct Unsupported;

type Written = Result<(), Unsupported>;

impl Native {
    /// Reads the settings from the template globals (`site.*`) and the
    /// header and footer rendered once per build. `None` when one is missing
    /// or of another type, or a part is empty (the base template would then
    /// render the partial in place).
    pub fn new(globals: &Value, header_html: &str, footer_html: &str) -> Option<Native> {
        let text = |path: &str| globals.get_from_path(path)?.as_str().map(str::to_string);
        if header_html.is_empty() || footer_html.is_empty() {
            return None;
        }
        Some(Native {
            language: text("site.language")?,
            title: text("site.title")?,
            base_path: text("site.base_path")?,
            search: globals.get_from_path("site.search")?.as_bool()?,
            header_html: header_html.to_string(),
            footer_html: footer_html.to_string(),
        })
    }

    /// A tool's page, as `tool.html` extending `base.html` renders it.
    pub fn tool_page(&self, meta: &PageMeta, t: &ToolView, out: &mut Vec<u8>) -> Written {
        out.clear();
        self.head(meta, out);
        let risk = &t.risk;
        let category = &t.category;
        let server = &t.server;
        raw(out, "  <article class=tool><header class=page-head><h1>");
        text(out, &t.display_name);
        raw(out, "</h1><p class=subtitle><code class=raw-name>");
        text(out, &t.name);
        raw(out, "</code> on <a href=\"");
        field(out, server, "url")?;
        raw(out, "\">");
        field(out, server, "name")?;
        raw(out, "</a>");
        if truthy(server, "repository_url") {
            raw(out, " · <a href=\"");
            field(out, server, "repository_url")?;
            raw(out, "\" rel=\"nofollow noopener\">");
            field(out, server, "repository")?;
            raw(out, "</a>");
        } else if truthy(server, "repository") {
            raw(out, " · <span class=mono>");
            field(out, server, "repository")?;
            raw(out, "</span>");
        }
        raw(out, "</p>");
        raw(out, &t.risk_panel_html);
        raw(out, "</header>");
        raw(out, &t.warning_html);
        raw(
            out,
            " <section aria-labelledby=what><h2 id=what>What it does</h2>",
        );
        if t.description_html.is_empty() {
            raw(
                out,
                "<p class=muted>The server gives no description for this tool. Its name and inputs are all an agent sees, which is a reason for care in itself.</p>",
            );
        } else {
            raw(out, "<div class=description>");
            raw(out, &t.description_html);
            raw(out, "</div>");
        }
        raw(out, "</section>");
        raw(out, &t.arguments_html);
        raw(out, &t.history_html);
        raw(
            out,
            "<section aria-labelledby=risk><h2 id=risk>Category and risk</h2><dl class=facts><dt>Category</dt><dd><a href=\"",
        );
        field(out, category, "url")?;
        raw(out, "\">");
        field(out, category, "name")?;
        raw(out, "</a>: ");
        field(out, category, "meaning")?;
        raw(out, "</dd><dt>Risk</dt><dd><a href=\"");
        field(out, risk, "url")?;
        raw(out, "\">");
        field(out, risk, "level")?;
        raw(out, "</a>: ");
        field(out, risk, "meaning")?;
        raw(out, "</dd><dt>Confidence</dt><dd>");
        text(out, &t.confidence_text);
        raw(
            out,
            "</dd></dl></section><section aria-labelledby=why><h2 id=why>Why this tool needs a policy</h2><p>",
        );
        text(out, &t.rationale);
        raw(out, "</p><ul class=evidence>");
        t.category_evidence.iter().for_each(|e| evidence(out, e));
        raw(out, " ");
        t.risk_evidence.iter().for_each(|e| evidence(out, e));
        raw(out, "</ul>");
        if !t.annotations.is_empty() {
            raw(
                out,
                "<p class=small>Annotations declared by the server (hints, not guarantees): ",
            );
            for (i, a) in t.annotations.iter().enumerate() {
                raw(out, "<code>");
                text(out, &a.name);
                raw(out, ": ");
                text(out, &a.url);
                raw(out, "</code>");
                if i + 1 < t.annotations.len() {
                    raw(out, ", ");
                }
            }
            raw(out, ".</p>");
        }
        raw(
            out,
            "</section><section aria-labelledby=policy><h2 id=policy>Recommended policy</h2><p>",
        );
        raw(out, &t.policy_explain_html);
        raw(
            out,
            "</p> <div class=policy><div class=policy-bar><span class=policy-name>policy.json</span><a href=\"",
        );
        text(out, &t.policy_url);
        raw(
            out,
            "\">Download</a><button data-copy-target=\"policy-json\" aria-live=polite class=copy type=button>Copy</button></div><pre id=\"policy-json\" class=json><code>",
        );
        text(out, &t.policy_json);
        raw(
            out,
            "</code></pre></div> <p class=small>Embed this tool's risk card: <a href=\"",
        );
        text(out, &t.embed_url);
        raw(out, "\">");
        text(out, &t.embed_url);
        raw(
            out,
            "</a></p></section><section aria-labelledby=attacks><h2 id=attacks>Attacks that abuse this kind of access</h2>",
        );
        if t.attacks.is_empty() {
            raw(
                out,
                "<p class=muted>No attack pattern in the database matches this tool's category and evidence yet.</p>",
            );
        } else {
            raw(out, " <ul class=attack-list>");
            for a in &t.attacks {
                raw(out, "<li><a href=\"");
                field(out, a, "url")?;
                raw(out, "\">");
                field(out, a, "title")?;
                raw(out, "</a> <span class=\"badge risk-");
                field(out, a, "severity")?;
                raw(out, "\">");
                field(out, a, "severity")?;
                raw(out, "</span> <span class=muted>");
                field(out, a, "class")?;
                raw(out, "</span><br>");
                field(out, a, "summary")?;
                raw(out, "<br><span class=why>");
                field(out, a, "reason")?;
                raw(out, "</span></li>");
            }
            raw(out, "</ul>");
            if t.attacks_more > 0 {
                raw(out, "<p>");
                number(out, t.attacks_more);
                raw(out, " more attack pattern");
                raw(
                    out,
                    if t.attacks_more != 1 {
                        "s apply"
                    } else {
                        " applies"
                    },
                );
                raw(out, " to this tool: see the <a href=\"");
                text(out, &self.base_path);
                raw(out, "attacks/\">attack database</a>.</p>");
            }
            raw(out, " ");
        }
        raw(
            out,
            "</section><section aria-labelledby=related><h2 id=related>Related tools on other servers</h2>",
        );
        if t.related.is_empty() {
            raw(
                out,
                "<p class=muted>No tool on another server of the catalogue does something close enough to this one.</p>",
            );
        } else {
            raw(out, " <ul class=related>");
            for r in &t.related {
                raw(out, "<li><a href=\"");
                field(out, r, "url")?;
                raw(out, "\" class=mono>");
                field(out, r, "name")?;
                raw(out, "</a> <span class=muted>on ");
                field(out, r, "server_name")?;
                raw(out, "</span> <span class=\"badge risk-");
                field(out, r, "risk")?;
                raw(out, "\">");
                field(out, r, "risk")?;
                raw(out, "</span><br><span class=why>");
                field(out, r, "reason")?;
                raw(out, "</span></li>");
            }
            raw(out, "</ul>");
        }
        raw(
            out,
            "</section><section aria-labelledby=faq><h2 id=faq>FAQ</h2><dl class=faq>",
        );
        for f in &t.faq {
            raw(out, "<dt>");
            text(out, &f.question);
            raw(out, "</dt><dd>");
            raw(out, &f.answer_html);
            raw(out, "</dd>");
        }
        raw(out, "</dl></section></article>");
        self.foot(out);
        Ok(())
    }

    /// A tool's embed card, as `embed.html` renders it; `tool_page` is the
    /// absolute URL of the tool's page.
    pub fn embed_page(
        &self,
        meta: &PageMeta,
        t: &ToolView,
        tool_page: &str,
        embed_css: &str,
        out: &mut Vec<u8>,
    ) -> Written {
        out.clear();
        raw(out, "<!doctype html><html lang=\"");
        text(out, &self.language);
        raw(
            out,
            "\"><head><meta charset=utf-8><meta content=\"width=device-width,initial-scale=1\" name=viewport><meta content=\"",
        );
        text(out, &meta.csp);
        raw(
            out,
            "\" http-equiv=Content-Security-Policy><meta content=noindex name=robots><title>",
        );
        text(out, &t.display_name);
        raw(out, " · ");
        field(out, &t.risk, "level")?;
        raw(out, " risk</title><link href=\"");
        text(out, &meta.canonical);
        raw(out, "\" rel=canonical><style>");
        raw(out, embed_css);
        raw(
            out,
            "</style></head><body><main><article class=\"card risk-",
        );
        field(out, &t.risk, "level")?;
        raw(out, "\"><p class=top><span class=badge>");
        field(out, &t.risk, "level")?;
        raw(out, " risk</span> <span class=tag>");
        field(out, &t.category, "name")?;
        raw(out, "</span></p><h1><a href=\"");
        text(out, tool_page);
        raw(out, "\" rel=noopener target=_blank>");
        text(out, &t.display_name);
        raw(out, "</a></h1><p class=mono>");
        text(out, &t.name);
        raw(out, " · ");
        field(out, &t.server, "name")?;
        raw(out, "</p>");
        if !t.description_text.is_empty() {
            raw(out, "<p>");
            text(out, &truncate(&t.description_text, 240));
            raw(out, "</p>");
        }
        raw(out, " <p class=why>");
        text(out, &t.rationale);
        raw(out, "</p><pre><code>");
        text(out, &t.policy_json);
        raw(out, "</code></pre><p class=back><a href=\"");
        text(out, tool_page);
        raw(
            out,
            "\" rel=noopener target=_blank>The full risk page: arguments, attacks and FAQ</a></p><details class=code><summary>Embed this card</summary><p>Paste this where the card should appear:</p><pre><code>",
        );
        text(out, &t.embed_code);
        raw(
            out,
            "</code></pre></details></article></main></body></html>",
        );
        Ok(())
    }

    /// `base.html` up to its content block.
    fn head(&self, meta: &PageMeta, out: &mut Vec<u8>) {
        raw(out, "<!doctype html><html lang=\"");
        text(out, &self.language);
        raw(
            out,
            "\"><head><meta charset=utf-8><meta content=\"width=device-width,initial-scale=1\" name=viewport><meta content=\"",
        );
        text(out, &meta.csp);
        raw(out, "\" http-equiv=Content-Security-Policy><title>");
        text(out, &meta.title);
        if meta.url != self.base_path {
            raw(out, " · ");
            text(out, &self.title);
        }
        raw(out, "</title><meta content=\"");
        text(out, &meta.description);
        // The engine's minified base template keeps one space where its
        // (empty, on these pages) `noindex` block stands.
        raw(out, "\" name=description>");
        if meta.noindex {
            raw(out, "<meta content=noindex name=robots>");
        }
        raw(out, " <link href=\"");
        text(out, &meta.canonical);
        raw(out, "\" rel=canonical>");
        if !meta.markdown_url.is_empty() {
            raw(out, "<link href=\"");
            text(out, &meta.markdown_url);
            raw(out, "\" rel=alternate type=text/markdown>");
        }
        // The space the engine keeps after the template's `if` block.
        raw(out, " <meta content=\"");
        text(out, meta.og_type);
        raw(out, "\" property=og:type><meta content=\"");
        text(out, &meta.title);
        raw(out, "\" property=og:title><meta content=\"");
        text(out, &meta.description);
        raw(out, "\" property=og:description><meta content=\"");
        text(out, &meta.canonical);
        raw(out, "\" property=og:url><meta content=\"");
        text(out, &self.title);
        raw(
            out,
            "\" property=og:site_name><meta content=summary name=twitter:card><link href=\"",
        );
        text(out, &self.base_path);
        raw(out, "assets/style.css\" rel=stylesheet><script src=\"");
        text(out, &self.base_path);
        raw(out, "assets/site.js\" defer></script>");
        if self.search {
            raw(out, "<script src=\"");
            text(out, &self.base_path);
            raw(out, "assets/search.js\" defer></script>");
        }
        raw(out, " ");
        if !meta.jsonld_html.is_empty() {
            raw(out, "<script type=application/ld+json>");
            raw(out, &meta.jsonld_html);
            raw(out, "</script>");
        }
        raw(
            out,
            "</head><body><a class=skip href=#main>Skip to content</a>",
        );
        raw(out, &self.header_html);
        raw(out, " ");
        if meta.breadcrumbs.len() > 1 {
            raw(
                out,
                " <nav class=\"wrap crumbs\" aria-label=Breadcrumb><ol>",
            );
            for (i, c) in meta.breadcrumbs.iter().enumerate() {
                raw(out, "<li><a href=\"");
                text(out, &c.url);
                raw(
                    out,
                    if i + 1 == meta.breadcrumbs.len() {
                        "\" aria-current=page>"
                    } else {
                        "\">"
                    },
                );
                text(out, &c.name);
                raw(out, "</a></li>");
            }
            raw(out, "</ol></nav>");
        }
        raw(out, " <main class=wrap id=main tabindex=-1>");
    }

    /// `base.html` after its content block.
    fn foot(&self, out: &mut Vec<u8>) {
        raw(out, "</main>");
        raw(out, &self.footer_html);
        raw(out, "</body></html>");
    }
}

/// One `<li>` of the evidence list.
fn evidence(out: &mut Vec<u8>, e: &Evidence) {
    raw(out, "<li><span class=source>");
    text(out, e.source.as_str());
    raw(out, "</span> <code>");
    text(out, &e.quote);
    raw(out, "</code>: ");
    text(out, &e.note);
    raw(out, "</li>");
}

fn raw(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
}

/// Text escaped as the engine escapes `{{ text }}`.
fn text(out: &mut Vec<u8>, s: &str) {
    // Writing into a Vec cannot fail.
    let _ = tera::escape_html(s, out);
}

fn number(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// `{{ value.key }}` for a string field: escaped unless marked safe.
fn field(out: &mut Vec<u8>, value: &Value, key: &str) -> Written {
    let v = value.get_from_path(key).ok_or(Unsupported)?;
    let s = v.as_str().ok_or(Unsupported)?;
    if v.is_safe() {
        raw(out, s);
    } else {
        text(out, s);
    }
    Ok(())
}

/// `{% if value.key %}`.
fn truthy(value: &Value, key: &str) -> bool {
    value.get_from_path(key).is_some_and(Value::is_truthy)
}

/// The engine's `truncate(length=n)`: the first `n` characters and `…`.
fn truncate(s: &str, n: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &s[..at]).into(),
        None => s.into(),
    }
}

#[cfg(test)]
mod tests;
