//! `toolrisk snippet`: one tool's (or server's) policy, or a tool's risk card.

use std::path::Path;

use super::{CmdResult, SnippetFormat};
use crate::error::Diagnostic;
use crate::policy;
use crate::render::pages::SiteRenderer;
use crate::site::{self, Timings};

pub fn snippet(site_dir: &Path, reference: &str, format: SnippetFormat) -> CmdResult {
    print!("{}", render_snippet(site_dir, reference, format)?);
    Ok(())
}

/// The text `snippet` prints.
pub fn render_snippet(
    site_dir: &Path,
    reference: &str,
    format: SnippetFormat,
) -> Result<String, crate::error::Diagnostics> {
    if let Some(d) = crate::fs::not_a_site(site_dir, "give the site folder with `--site DIR`") {
        return Err(d.into());
    }
    let cat = site::load(site_dir, None, &mut Timings::default())?;
    if !reference.contains('/') {
        let si = cat.find_server(reference).ok_or_else(|| {
            let help = match cat.suggest_reference(reference) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "give the server's slug (its file name in content/servers without .json), or server/tool".into(),
            };
            Diagnostic::new(format!("no server `{reference}` in the catalogue")).help(help)
        })?;
        if format != SnippetFormat::Json {
            return Err(Diagnostic::new(
                "a whole server's snippet is only available as --format json",
            )
            .help("ask for one tool (server/tool) to get a markdown or html card")
            .into());
        }
        let doc = &cat.servers[si].policy(&cat.config);
        policy::validate(doc).map_err(|e| {
            Diagnostic::new(format!("internal error: policy fails the schema: {e}"))
        })?;
        return Ok(policy::to_pretty(doc));
    }
    let id = cat.find_tool(reference).ok_or_else(|| {
        let suggested = cat.suggest_reference(reference);
        let help = match reference
            .split_once('/')
            .and_then(|(s, _)| cat.find_server(s))
        {
            _ if suggested.is_some() => {
                format!("did you mean `{}`?", suggested.unwrap_or_default())
            }
            Some(si) => format!(
                "the tools of `{}` are: {}",
                cat.servers[si].slug,
                tool_names(&cat.servers[si])
            ),
            None => {
                "check the server slug: it is the file name in content/servers without .json".into()
            }
        };
        Diagnostic::new(format!("no tool `{reference}` in the catalogue")).help(help)
    })?;
    let tool = cat.tool(id);
    let policy = tool.policy(&cat.config);
    policy::validate(&policy)
        .map_err(|e| Diagnostic::new(format!("internal error: policy fails the schema: {e}")))?;
    match format {
        SnippetFormat::Json => Ok(policy::to_pretty(&policy)),
        SnippetFormat::Html => {
            let renderer = site::renderer(site_dir, &cat)?;
            let r = SiteRenderer::new(&cat, &renderer);
            let card = r.shortcode(crate::content::ShortcodeKind::ToolCard, reference)?;
            let pol = r.shortcode(crate::content::ShortcodeKind::Policy, reference)?;
            Ok(format!("{card}\n{pol}\n"))
        }
        SnippetFormat::Markdown => {
            let server = cat.server(id);
            let category = &cat.config.categories[tool.class.category];
            let route = crate::routes::Route::Tool {
                server: &server.slug,
                tool: &tool.slug,
            };
            let url = format!("{}{}", cat.config.base_url, route.path());
            let summary = policy::PolicySummary::of(&policy, &tool.name);
            Ok(format!(
                "### {} ({})\n\n**{} risk** · {} · [{}]({url})\n\n{}\n\n{}\n\n```json\n{}```\n",
                md_escape(tool.display_name()),
                md_escape(&server.name),
                crate::text::capitalize(tool.risk().as_str()),
                category.name,
                md_escape(&tool.shown_name),
                md_escape(&tool.class.rationale),
                summary.explain(&tool.shown_name.replace('`', "'")),
                policy::to_pretty(&policy),
            ))
        }
    }
}

fn tool_names(s: &crate::catalogue::Server) -> String {
    let mut names: Vec<&str> = s.tools.iter().map(|t| t.name.as_str()).take(20).collect();
    if s.tools.len() > 20 {
        names.push("…");
    }
    names.join(", ")
}

/// Escapes markdown's special characters in text from a record.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\`*_{}[]()<>#+-.!|~".contains(c) {
            out.push('\\');
        }
        if c.is_control() {
            continue;
        }
        out.push(c);
    }
    out
}
