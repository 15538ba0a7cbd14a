//! A tool's arguments as a table: name, type, whether required, the
//! server's description, the values an enum allows, and a mark with the
//! reason on every argument that carries risk. The tool page shows it in its
//! "Arguments" section and the server page once per tool, folded; both are
//! written here, from [`crate::classify::arguments::Argument`], so the two
//! pages cannot disagree. Every string is the server's: hidden characters
//! are shown and everything is escaped before any markup is added.

use crate::catalogue::Tool;
use crate::classify::arguments::Argument;
use crate::render::views::esc;
use crate::text;

/// How many of a tool's arguments carry risk.
pub fn risky_count(tool: &Tool) -> usize {
    tool.arguments.iter().filter(|a| a.risk.is_some()).count()
}

/// The tool page's "Arguments" section.
pub fn section_html(tool: &Tool) -> String {
    let mut out = String::with_capacity(256 + tool.arguments.len() * 256);
    out.push_str("<section aria-labelledby=\"arguments\"><h2 id=\"arguments\">Arguments</h2>");
    if tool.arguments.is_empty() {
        out.push_str(if tool.argument_count == 0 {
            "<p class=\"muted\">The tool takes no arguments: every call does the same thing.</p>"
        } else {
            "<p class=\"muted\">The input schema's arguments could not be read.</p>"
        });
    } else {
        out.push_str("<p>");
        out.push_str(&intro(tool));
        out.push_str("</p>");
        table_html(&mut out, tool);
    }
    out.push_str("</section>");
    out
}

/// One sentence saying how many arguments there are and how many carry risk.
fn intro(tool: &Tool) -> String {
    let n = tool.argument_count;
    let required = tool.arguments.iter().filter(|a| a.required).count();
    let risky = risky_count(tool);
    let mut s = format!(
        "The input schema has {}, {required} of them required.",
        text::count_s(n, "argument")
    );
    if risky > 0 {
        s.push_str(&format!(
            " {} marked in the Risk column decide{} what the call can reach; a policy condition on {} is the way to narrow the tool.",
            if risky == 1 { "The one" } else { "The ones" },
            if risky == 1 { "s" } else { "" },
            if risky == 1 { "it" } else { "them" },
        ));
    } else {
        s.push_str(" None of them carries a risk of its own.");
    }
    s
}

/// The table of a tool's arguments (and a line on those left out).
pub fn table_html(out: &mut String, tool: &Tool) {
    out.push_str("<div class=table-wrap><table class=args><thead><tr><th scope=col>Argument<th scope=col>Type<th scope=col>Required<th scope=col>Description<th scope=col>Risk</thead><tbody>");
    for a in &tool.arguments {
        row(out, a);
    }
    out.push_str("</tbody></table></div>");
    let left_out = tool.argument_count.saturating_sub(tool.arguments.len());
    if left_out > 0 {
        out.push_str("<p class=\"small\">");
        out.push_str(&text::count_s(left_out, "more argument"));
        out.push_str(" of this schema ");
        out.push_str(if left_out == 1 { "is" } else { "are" });
        out.push_str(" not shown.</p>");
    }
}

fn row(out: &mut String, a: &Argument) {
    // End tags of cells and rows are implied (the HTML standard lets a
    // cell end where the next begins): a schema of ten arguments is ten
    // rows on every page that shows it.
    out.push_str(if a.risk.is_some() {
        "<tr class=risky>"
    } else {
        "<tr>"
    });
    out.push_str("<th scope=row><code>");
    esc(out, &a.name);
    out.push_str("</code><td>");
    esc(out, &a.ty);
    out.push_str("<td>");
    out.push_str(if a.required { "yes" } else { "no" });
    out.push_str("<td>");
    if a.description.is_empty() {
        out.push_str("<span class=muted>none given</span>");
    } else {
        esc(out, &a.description);
    }
    if !a.values.is_empty() {
        out.push_str(" <span class=small>One of ");
        for (i, v) in a.values.iter().enumerate() {
            if i > 0 {
                out.push_str(if i + 1 == a.values.len() {
                    " or "
                } else {
                    ", "
                });
            }
            out.push_str("<code>");
            esc(out, v);
            out.push_str("</code>");
        }
        out.push_str(".</span>");
    }
    out.push_str("<td>");
    match a.risk {
        Some(r) => {
            out.push_str("<strong class=arg-risk>");
            out.push_str(r.label());
            out.push_str("</strong> <span class=small>it ");
            out.push_str(r.reason());
            out.push_str("</span>");
        }
        None => out.push_str("<span class=muted>none</span>"),
    }
}

/// The server page's "Arguments" section: each tool's table folded behind
/// a line with its counts; empty when no tool takes an argument.
pub fn server_section_html(tools: &[(&Tool, String)]) -> String {
    if tools.iter().all(|(t, _)| t.argument_count == 0) {
        return String::new();
    }
    let mut out = String::new();
    out.push_str("<section aria-labelledby=\"arguments\"><h2 id=\"arguments\">Arguments of each tool</h2><p>What each tool takes; the arguments marked in the Risk column are those a policy condition should narrow.</p>");
    for (tool, url) in tools {
        if tool.argument_count == 0 {
            continue;
        }
        out.push_str("<details class=\"args-fold\"><summary><code>");
        esc(&mut out, &tool.name);
        out.push_str("</code>: ");
        out.push_str(&text::count_s(tool.argument_count, "argument"));
        let risky = risky_count(tool);
        if risky > 0 {
            out.push_str(", ");
            out.push_str(&text::count_s(risky, "risky one"));
        }
        out.push_str("</summary>");
        table_html(&mut out, tool);
        out.push_str("<p class=\"small\"><a href=\"");
        esc(&mut out, url);
        out.push_str("#arguments\">The tool's page</a></p></details>");
    }
    out.push_str("</section>");
    out
}
