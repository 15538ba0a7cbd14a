//! The explanation under "Why this tool needs a policy", written from the
//! tool's own definition: what it touches (its description's first
//! sentence, quoted), which arguments carry the danger and why, what its
//! annotations claim and whether they agree with the reading. What the
//! recommended policy does about it is added where the policy is known
//! (`render::tool`). Pure function of the record and the classification.

use super::arguments::risky_arguments;
use super::poison;
use crate::catalogue::record::ToolRecord;
use crate::config::Category;

/// The description's first sentence as plain one-line text, cut at a word
/// boundary near `max` bytes, hidden characters shown.
fn first_sentence(description: &str, max: usize) -> String {
    let line = description.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = line.trim();
    let end = crate::text::first_sentence_end(line);
    let mut s = &line[..end];
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        let head = &s[..cut];
        s = head.rfind(' ').map_or(head, |sp| &head[..sp]);
        return format!("{}…", poison::reveal(s.trim_end_matches([',', ';', ':'])));
    }
    poison::reveal(s).into_owned()
}

/// The explanation paragraph.
pub fn explain(
    tool: &ToolRecord,
    category: &Category,
    contradiction: Option<&str>,
    confident: bool,
) -> String {
    let name = poison::reveal(&tool.name);
    let mut parts: Vec<String> = Vec::new();
    let description = tool.description.as_deref().unwrap_or("").trim();
    if description.is_empty() {
        parts.push(format!(
            "The server does not say what “{name}” does; it is read as {} from its name and inputs",
            crate::text::category_tool(&category.name),
        ));
    } else {
        parts.push(format!(
            "In the server's words, “{name}”: “{}”",
            first_sentence(description, 180)
        ));
        parts.push(format!(
            "Read as {}: {}",
            crate::text::category_tool(&category.name),
            lower_first(&category.meaning)
        ));
    }
    let args = risky_arguments(tool, &category.name);
    if !args.is_empty() {
        let listed: Vec<String> = args
            .iter()
            .take(4)
            .map(|(n, r)| format!("“{}” {}", poison::reveal(n), r.reason()))
            .collect();
        parts.push(format!(
            "The danger is in its arguments: {}",
            crate::text::join_and(&listed)
        ));
    }
    if let Some(note) = contradiction {
        parts.push(note.trim_end_matches('.').to_string());
    } else if let Some(a) = &tool.annotations {
        let mut claims = Vec::new();
        if a.read_only_hint == Some(true) {
            claims.push("read-only");
        }
        if a.destructive_hint == Some(true) {
            claims.push("destructive");
        }
        if a.read_only_hint == Some(false) && a.destructive_hint != Some(true) {
            claims.push("able to change state");
        }
        if !claims.is_empty() {
            parts.push(format!(
                "The server's annotations call it {}, which agrees with this reading",
                claims.join(" and ")
            ));
        }
    }
    if !confident {
        parts.push(
            "The definition gives little to go on, so this reading is uncertain and listed for review"
                .to_string(),
        );
    }
    // Sentences joined with a full stop, unless one already ends a sentence
    // (a quote that closes on its own full stop, an ellipsis).
    let mut s = String::new();
    for p in &parts {
        let p = p.trim_end_matches('.');
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(p);
        let closed = [".”", "!”", "?”", "…”", "…"].iter().any(|e| p.ends_with(e));
        if !closed {
            s.push('.');
        }
    }
    s
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_cut_past_abbreviations() {
        assert_eq!(
            first_sentence("Runs a job, e.g. a notebook. Then waits.", 200),
            "Runs a job, e.g. a notebook."
        );
        assert_eq!(
            first_sentence("Uses API v1.2.3 of the service. More.", 200),
            "Uses API v1.2.3 of the service."
        );
        let long = first_sentence(&"word ".repeat(100), 40);
        assert!(long.ends_with('…') && long.len() <= 44, "{long}");
    }
}
