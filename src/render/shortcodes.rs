//! Shortcodes in free-form pages: filling a page's placeholders with the
//! snippets they name (a tool's policy or card, a server's policy).

use serde_json::json;

use crate::content::{ShortcodeKind, placeholder};
use crate::error::Diagnostic;
use crate::policy;
use crate::render::pages::SiteRenderer;
use crate::render::tool::tool_view;
use crate::routes::Route;

impl SiteRenderer<'_> {
    /// The page's HTML with every shortcode placeholder replaced, in one
    /// forward pass over the page's own HTML: inserted snippets (which carry
    /// record text) are never searched, so a description cannot move them.
    pub(super) fn fill_shortcodes(&self, page: &crate::content::Page) -> String {
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
                let summary = self.urls.server_summary(cat.server(id));
                let policy = cat.tool(id).policy(&cat.config);
                policy::validate(&policy).map_err(|e| {
                    Diagnostic::new(format!("internal error: policy fails the schema: {e}"))
                })?;
                let view = tool_view(
                    cat,
                    self.renderer,
                    &self.urls,
                    id,
                    &policy,
                    std::sync::Arc::new(summary),
                );
                let template = if kind == ShortcodeKind::Policy {
                    "shortcodes/policy.html"
                } else {
                    "shortcodes/tool_card.html"
                };
                self.renderer.render(template, &json!({ "tool": view }))
            }
            ShortcodeKind::ServerPolicy => {
                let si = cat.find_server(target).ok_or_else(|| {
                    Diagnostic::new(format!(
                        "shortcode names server `{target}`, which is not in the catalogue"
                    ))
                })?;
                let s = &cat.servers[si];
                let policy = s.policy(&cat.config);
                policy::validate(&policy).map_err(|e| {
                    Diagnostic::new(format!("internal error: policy fails the schema: {e}"))
                })?;
                self.renderer.render(
                    "shortcodes/server_policy.html",
                    &json!({ "server": self.urls.server_summary(s), "policy_json": policy::to_pretty(&policy), "policy_url": self.urls.at(&Route::ServerPolicy(&s.slug).path()) }),
                )
            }
        }
    }
}
