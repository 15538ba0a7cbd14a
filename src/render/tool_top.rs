//! The top of a tool page: the risk panel a reader sees first (level,
//! category, a one-line reason, what the recommended policy does), the
//! warning a record with findings opens with (what was found, the exact
//! span quoted with hidden characters shown, why it matters), and the
//! quarantine box a poisoned description is shown in, as plain text.
//!
//! Written here once and printed by both the template and the fast writer.
//! Every string from a record is escaped (hidden characters shown first)
//! before any markup is added; the risk is never told by colour alone.

use crate::catalogue::Tool;
use crate::classify::Finding;
use crate::classify::poison::reveal;
use crate::config::Category;
use crate::markdown::escape_into;
use crate::policy::PolicySummary;
use crate::render::urls::Urls;
use crate::render::views::esc;
use crate::text;

/// The panel under the page's heading.
pub fn risk_panel_html(
    tool: &Tool,
    category: &Category,
    urls: &Urls,
    policy: &PolicySummary,
) -> String {
    let level = tool.risk().as_str();
    let mut out = String::with_capacity(768);
    out.push_str("<div class=\"risk-panel risk-");
    out.push_str(level);
    out.push_str("\" role=\"note\" aria-label=\"Risk summary\"><p class=\"risk-head\"><a class=\"badge risk-");
    out.push_str(level);
    out.push_str("\" href=\"");
    esc(&mut out, &urls.risk(tool.risk()));
    out.push_str("\">");
    out.push_str(&text::capitalize(level));
    out.push_str(" risk</a> <a class=\"tag\" href=\"");
    esc(&mut out, &urls.category(&category.name));
    out.push_str("\">");
    esc(&mut out, &category.name);
    out.push_str("</a>");
    let poisoned = tool.class.is_poisoned();
    if !tool.class.findings.is_empty() {
        out.push_str(" <a class=\"badge flag\" href=\"#warning\">");
        out.push_str(&text::count_s(tool.class.findings.len(), "finding"));
        out.push_str("</a>");
    }
    out.push_str("</p><p class=\"risk-reason\">");
    reason_html(&mut out, tool, category);
    out.push_str("</p><p class=\"risk-policy\"><strong>Recommended policy:</strong> ");
    esc(&mut out, &text::capitalize(&policy.doing()));
    out.push_str(if poisoned {
        " until someone reviews the record. "
    } else {
        ". "
    });
    out.push_str("<a href=\"#policy\">The policy</a></p></div>");
    out
}

/// One sentence on why the tool is as risky as it is: what its category
/// means, and the first argument that carries risk; for a record with
/// poisoning markers, what the record does instead.
fn reason_html(out: &mut String, tool: &Tool, category: &Category) {
    if let Some(f) = tool.class.findings.iter().find(|f| f.kind.is_poisoning()) {
        out.push_str(f.kind.label());
        out.push_str(": the record itself is suspect, so treat the tool as hostile whatever it claims to do.");
        return;
    }
    esc(out, &text::sentence(category.meaning.trim()));
    if let Some((a, risk)) = tool.arguments.iter().find_map(|a| a.risk.map(|r| (a, r))) {
        out.push_str(" The argument <code>");
        esc(out, &a.name);
        out.push_str("</code> ");
        out.push_str(risk.reason());
        out.push('.');
    }
}

/// The warning a page with findings opens with; empty when there are none.
pub fn warning_html(tool: &Tool) -> String {
    let findings = &tool.class.findings;
    if findings.is_empty() {
        return String::new();
    }
    let poisoned = tool.class.is_poisoned();
    let mut out = String::with_capacity(512 * findings.len());
    out.push_str("<section class=\"warning\" aria-labelledby=\"warning\"><h2 id=\"warning\">");
    out.push_str(if poisoned {
        "Warning: this record shows signs of tool poisoning"
    } else {
        "Warning: this record contradicts itself"
    });
    out.push_str("</h2><p>");
    out.push_str(if poisoned {
        "The server's own text for this tool carries what follows. An agent reads that text as instructions, so the record is an attack whatever the tool does: the risk is raised, the recommended policy hides the tool, and the description below is quarantined, shown as plain text with hidden characters made visible."
    } else {
        "The server's annotations say one thing and its definition another. The stricter reading is used for the category, the risk and the policy."
    });
    out.push_str("</p><ul class=\"warning-list\">");
    for f in findings {
        finding_item(&mut out, f);
    }
    out.push_str("</ul></section>");
    out
}

fn finding_item(out: &mut String, f: &Finding) {
    out.push_str("<li><strong>");
    out.push_str(f.kind.label());
    out.push_str("</strong>: ");
    esc(out, &f.note);
    out.push_str("<br><span class=\"small\">Found:</span> <code class=\"found\">");
    quote_html(out, &f.quote, &f.span);
    out.push_str("</code></li>");
}

/// The quote, escaped, with the exact span and every shown hidden
/// character (`[U+XXXX]`) marked.
pub fn quote_html(out: &mut String, quote: &str, span: &str) {
    let (before, matched, after) = match (!span.is_empty()).then(|| quote.find(span)).flatten() {
        Some(at) => (&quote[..at], span, &quote[at + span.len()..]),
        None => (quote, "", ""),
    };
    mark_hidden(out, before);
    if !matched.is_empty() {
        out.push_str("<mark>");
        mark_hidden(out, matched);
        out.push_str("</mark>");
        mark_hidden(out, after);
    }
}

/// Escapes `s` (already revealed) and wraps each `[U+XXXX]` in a mark.
fn mark_hidden(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(at) = rest.find("[U+") {
        let tail = &rest[at..];
        let len = tail
            .find(']')
            .filter(|&e| e > 3 && e <= 9 && tail[3..e].bytes().all(|b| b.is_ascii_hexdigit()));
        match len {
            Some(e) => {
                escape_into(out, &rest[..at]);
                out.push_str("<mark class=\"hidden-char\">");
                escape_into(out, &tail[..=e]);
                out.push_str("</mark>");
                rest = &tail[e + 1..];
            }
            None => {
                escape_into(out, &rest[..at + 3]);
                rest = &rest[at + 3..];
            }
        }
    }
    escape_into(out, rest);
}

/// A poisoned tool's description as the page shows it: in a marked
/// quarantine box, as plain text with no formatting.
pub fn quarantine_html(tool: &Tool) -> String {
    let mut out = String::with_capacity(tool.description.len() + 256);
    out.push_str("<div class=\"quarantine\"><p class=\"quarantine-label\">Quarantined: the server's description, shown as plain text, never as formatting</p><pre class=\"quarantine-text\">");
    mark_hidden(&mut out, &reveal(&tool.description));
    out.push_str("</pre></div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_mark_the_span_and_hidden_characters_and_escape_the_rest() {
        let mut out = String::new();
        quote_html(
            &mut out,
            "…a <b>[U+200B] Ignore previous instructions</b>…",
            "Ignore previous instructions",
        );
        assert_eq!(
            out,
            "…a &lt;b&gt;<mark class=\"hidden-char\">[U+200B]</mark> <mark>Ignore previous instructions</mark>&lt;/b&gt;…"
        );
        let mut out = String::new();
        quote_html(&mut out, "[U+zz] [U+", "");
        assert_eq!(out, "[U+zz] [U+");
    }
}
