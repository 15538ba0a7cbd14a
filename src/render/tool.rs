//! The tool page's view: description, classification evidence, policy,
//! attacks, related tools and the FAQ.
//!
//! The FAQ and the policy explanation are written from the policy document
//! itself (read back through [`PolicySummary`]), never from the category, so
//! they cannot name a field, number or window the snippet does not contain.

use crate::catalogue::index::signals;
use crate::catalogue::{Catalogue, ToolId};
use crate::markdown;
use crate::policy::{self, Access, PolicySummary};
use crate::render::Renderer;
use crate::render::urls::Urls;
use crate::render::views::*;
use crate::routes::Route;
use crate::text;
use std::sync::Arc;

/// The most attack entries a tool page lists.
pub const MAX_ATTACKS: usize = 6;

/// Builds the view of one tool; `server` is its server's [`ServerSummary`],
/// built once for all of the server's tools.
pub fn tool_view(
    cat: &Catalogue,
    renderer: &Renderer,
    urls: &Urls,
    id: ToolId,
    policy: &serde_json::Value,
    server_summary: Arc<ServerSummary>,
) -> ToolView {
    let server = cat.server(id);
    let tool = cat.tool(id);
    let category = &cat.config.categories[tool.class.category];
    let policy_json = policy::to_pretty(policy);
    let summary = PolicySummary::of(policy, &tool.name);
    let (listed, attacks_more) = tool_attacks(cat, id);
    let attacks = listed
        .into_iter()
        .map(|(ai, why)| Listed {
            row: urls.attack(cat, ai),
            reason: why,
        })
        .collect();
    let related = cat.index.related[id.server as usize][id.tool as usize]
        .iter()
        .zip(cat.index.related_reasons(&cat.servers, id))
        .map(|(&r, why)| Listed {
            row: urls.row(cat, renderer, r),
            reason: why,
        })
        .collect();
    let annotations = tool
        .annotations
        .as_ref()
        .map(|a| {
            let mut out = Vec::new();
            let mut push = |name: &str, v: Option<bool>| {
                if let Some(v) = v {
                    out.push(Link {
                        name: name.to_string(),
                        url: v.to_string(),
                    });
                }
            };
            push("readOnlyHint", a.read_only_hint);
            push("destructiveHint", a.destructive_hint);
            push("idempotentHint", a.idempotent_hint);
            push("openWorldHint", a.open_world_hint);
            out
        })
        .unwrap_or_default();
    let display = tool.display_name().to_string();
    ToolView {
        has_title: display != tool.shown_name,
        name: tool.shown_name.clone(),
        slug: tool.slug.clone(),
        display_name: display,
        url: urls.tool(server, tool),
        embed_url: urls.embed(server, tool),
        embed_code: format!(
            "<iframe src=\"{}\" title=\"{} risk card\" width=\"100%\" height=\"480\" style=\"border:0\" loading=\"lazy\"></iframe>",
            urls.abs(
                &Route::Embed {
                    server: &server.slug,
                    tool: &tool.slug,
                }
                .path()
            ),
            // The title is an attribute value inside copied markup: no
            // quote or angle bracket of the record may reach it.
            display_for_attribute(tool.display_name()),
        ),
        // A poisoned description is quarantined: plain text in a marked
        // box, never rendered as markdown.
        description_html: if tool.class.is_poisoned() {
            crate::render::tool_top::quarantine_html(tool)
        } else {
            markdown::untrusted(&tool.description)
        },
        description_text: tool.plain_description.clone(),
        arguments_html: crate::render::arguments::section_html(tool),
        history_html: crate::render::history::tool_history_html(tool, urls),
        server: server_summary,
        category: urls.category_typed(cat, tool.class.category),
        risk: urls.risk_typed(cat, tool.risk()),
        rationale: rationale(tool, &summary),
        confidence_text: confidence_text(tool),
        category_evidence: tool.class.category_evidence.clone(),
        risk_evidence: tool.class.risk_evidence.clone(),
        findings: tool.class.findings.iter().map(FindingView::from).collect(),
        risk_panel_html: crate::render::tool_top::risk_panel_html(tool, category, urls, &summary),
        warning_html: crate::render::tool_top::warning_html(tool),
        annotations,
        policy_url: urls.at(&Route::ToolPolicy {
            server: &server.slug,
            tool: &tool.slug,
        }
        .path()),
        policy_explain_html: code_marks(&summary.explain(&tool.shown_name)),
        policy_json,
        attacks,
        attacks_more,
        related,
        faq: faq(cat, id, &summary, category.name.as_str()),
    }
}

/// A name made safe to sit inside a double-quoted attribute of markup a
/// reader copies: hidden characters shown, quotes and angle brackets and
/// ampersands dropped.
fn display_for_attribute(name: &str) -> String {
    crate::classify::poison::reveal(name)
        .chars()
        .filter(|c| !matches!(c, '"' | '<' | '>' | '&' | '\''))
        .collect()
}

/// The attack entries a tool's page and its Markdown twin list, each with
/// the sentence saying why it applies, and how many more apply: the
/// entries that name the tool first, then the best matched by the tool's
/// evidence; the rest are counted, so the page stays small.
pub fn tool_attacks(cat: &Catalogue, id: ToolId) -> (Vec<(usize, String)>, usize) {
    let tool = cat.tool(id);
    let category = &cat.config.categories[tool.class.category];
    let applied = cat.index.attacks_for(id, tool, &cat.attacks);
    let more = applied.len().saturating_sub(MAX_ATTACKS);
    let listed = applied
        .into_iter()
        .take(MAX_ATTACKS)
        .map(|(ai, reach)| (ai, signals::reason(&reach, tool, &category.name)))
        .collect();
    (listed, more)
}

/// The explanation paragraph: the classifier's, from the tool's definition,
/// followed by what the recommended policy does about it; a rationale
/// written in the record stands as it is.
fn rationale(tool: &crate::catalogue::Tool, summary: &PolicySummary) -> String {
    if tool.class.rationale_from_record {
        return tool.class.rationale.clone();
    }
    let doing = summary.doing();
    format!("{} The recommended policy {doing}.", tool.class.rationale)
}

/// How sure the classification is, in words a reader can act on.
fn confidence_text(tool: &crate::catalogue::Tool) -> String {
    let c = tool.class.confidence;
    if tool.class.category_from_record() {
        return "set by the catalogue record, not inferred".to_string();
    }
    let words = if c >= 0.9 {
        "very sure: the definition points clearly to this category"
    } else if c >= 0.75 {
        "fairly sure: most of the definition points to this category"
    } else if c >= 0.6 {
        "unsure: the definition points to more than one category"
    } else {
        "uncertain: the definition gives little to go on, so the tool is queued for review"
    };
    format!("{words} ({:.0} %)", c * 100.0)
}

/// The FAQ, every fact taken from the policy summary or the model.
fn faq(cat: &Catalogue, id: ToolId, summary: &PolicySummary, category: &str) -> Vec<Faq> {
    let server = cat.server(id);
    let tool = cat.tool(id);
    let name = &tool.shown_name;
    let mut out = Vec::new();
    let what = if tool.description.trim().is_empty() {
        format!(
            "The server gives no description for `{name}`. Its name and input schema are all there is to go on, which is itself a reason to treat it with care."
        )
    } else {
        let first = text::one_line(&tool.plain_description, 300);
        format!("In its own words: “{}”", text::sentence(&first))
    };
    out.push(Faq {
        question: format!("What does {name} do?"),
        answer_html: code_marks(&what),
    });

    out.push(Faq {
        question: format!("How do I enforce a policy on {name}?"),
        // What the policy does is the paragraph above the snippet; the
        // answer says where the document goes, not that paragraph again.
        answer_html: code_marks(&format!(
            "Download the policy.json under “Recommended policy” (or copy it) and load it into the MCP gateway that sits between your agents and {}; the gateway then enforces it on every call to `{name}`. {}",
            server.name,
            if summary.blocks_every_call() {
                "Agents will then not reach the tool at all.".to_string()
            } else {
                "Keep the server's other tools in the same document: the server page has one policy covering all of them.".to_string()
            }
        )),
    });

    let risk = tool.risk();
    out.push(Faq {
        question: format!("What risk level is {name}?"),
        answer_html: code_marks(&format!(
            "{} risk, as {}. {}",
            crate::text::capitalize(risk.as_str()),
            text::category_tool(category),
            risk.meaning()
        )),
    });

    let rate = match (&summary.access, summary.limits_text()) {
        (Access::Hidden, _) => {
            format!("There is no need: the policy above hides `{name}`, so no call gets through.")
        }
        (Access::Denied { .. }, _) => {
            format!("There is no need: the policy above denies every call to `{name}`.")
        }
        (Access::Allowed | Access::Approval { .. }, Some(limits)) => {
            format!("Yes, and the policy above already does: {limits}.")
        }
        (Access::Allowed, None) => format!(
            "Yes. The policy above puts no limit on `{name}`; a gateway can still cap how often it is called."
        ),
        _ => "Yes; a gateway can cap how often it is called.".to_string(),
    };
    out.push(Faq {
        question: format!("Can I rate-limit {name}?"),
        answer_html: code_marks(&rate),
    });

    let block = match &summary.access {
        Access::Hidden => format!(
            "The policy above already does: `{name}` is in `hide`, so agents never see it and any call is denied."
        ),
        Access::Denied { message } => {
            format!("The policy above already denies every call, answering “{message}”.")
        }
        _ => format!(
            "Leave `{name}` out of the policy: with `\"default\": \"deny\"`, a tool the policy does not name is denied."
        ),
    };
    out.push(Faq {
        question: format!("How do I block {name} completely?"),
        answer_html: code_marks(&block),
    });

    let provider = match &server.repository {
        Some(repo) => format!("{}, whose source is at {repo}.", server.name),
        None => text::sentence(&server.name),
    };
    out.push(Faq {
        question: format!("Which server provides {name}?"),
        answer_html: code_marks(&provider),
    });
    out
}
