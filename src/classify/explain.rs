//! The explanation under "Why this tool needs a policy", written from the
//! tool's own definition: what it touches (its description's first
//! sentence, quoted), which arguments carry the danger and why, what its
//! annotations claim and whether they agree with the reading. What the
//! recommended policy does about it is added where the policy is known
//! (`render::tool`). Pure function of the record and the classification.

use serde_json::Value;

use super::features::schema_properties;
use super::poison;
use crate::catalogue::record::ToolRecord;
use crate::config::Category;

/// Why an argument carries danger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgumentRisk {
    /// Free-form code, a command or a query.
    Code,
    /// A file or folder path.
    Path,
    /// An amount of money.
    Money,
    /// A flag that skips a safety check or widens the effect.
    Flag,
    /// An address the tool connects to.
    Address,
    /// Who receives what the tool sends.
    Recipient,
    /// A list, so one call acts on many items.
    Bulk,
}

impl ArgumentRisk {
    /// The reason, in a phrase that follows the argument's name.
    pub fn reason(self) -> &'static str {
        match self {
            ArgumentRisk::Code => {
                "takes free-form code, a command or a query, so the caller decides what it reads or changes"
            }
            ArgumentRisk::Path => {
                "names a file or folder, and nothing in the schema keeps it inside one place"
            }
            ArgumentRisk::Money => "sets how much money moves",
            ArgumentRisk::Flag => "widens the effect or skips a check that would stop a mistake",
            ArgumentRisk::Address => "lets the caller point the tool at any address",
            ArgumentRisk::Recipient => "chooses who receives what is sent",
            ArgumentRisk::Bulk => "is a list, so one call can act on many items",
        }
    }

    /// A short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            ArgumentRisk::Code => "code or query",
            ArgumentRisk::Path => "path",
            ArgumentRisk::Money => "amount",
            ArgumentRisk::Flag => "flag",
            ArgumentRisk::Address => "address",
            ArgumentRisk::Recipient => "recipient",
            ArgumentRisk::Bulk => "list",
        }
    }
}

const CODE: &[&str] = &[
    "sql",
    "code",
    "script",
    "command",
    "cmd",
    "expression",
    "statement",
    "javascript",
    "js",
    "python",
    "shell",
    "function",
    "snippet",
    "pipeline",
    "mutation",
    "cypher",
    "promql",
    "query_sql",
    "bash",
];
const PATH: &[&str] = &[
    "path",
    "file",
    "filepath",
    "file_path",
    "filename",
    "dir",
    "directory",
    "folder",
    "destination",
    "source",
    "target_path",
    "cwd",
];
const MONEY: &[&str] = &[
    "amount",
    "price",
    "total",
    "unit_amount",
    "cost",
    "budget",
    "value_cents",
];
const FLAGS: &[&str] = &[
    "force",
    "recursive",
    "cascade",
    "overwrite",
    "purge",
    "hard",
    "all",
    "delete_branch",
    "no_verify",
    "skip_verification",
    "permanent",
    "permanently",
    "prune",
    "confirm",
];
const ADDRESS: &[&str] = &[
    "url",
    "uri",
    "endpoint",
    "host",
    "hostname",
    "webhook",
    "webhook_url",
    "base_url",
];
const RECIPIENT: &[&str] = &[
    "to",
    "recipient",
    "recipients",
    "email",
    "emails",
    "channel",
    "channel_id",
    "phone",
    "phone_number",
    "cc",
    "bcc",
    "chat_id",
    "user_id",
];

/// The arguments of a tool that carry risk, with why, in schema order.
/// `query` counts as code only for tools read as `execute`, where it is a
/// statement rather than search words.
pub fn risky_arguments(tool: &ToolRecord, category: &str) -> Vec<(String, ArgumentRisk)> {
    let mut out = Vec::new();
    let props = tool
        .input_schema
        .as_ref()
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object);
    for (name, ty, _) in schema_properties(tool.input_schema.as_ref()) {
        let lower = name.to_lowercase();
        let described = props
            .and_then(|p| p.get(&name))
            .and_then(|p| p.get("description"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_lowercase();
        let risk = if CODE.contains(&lower.as_str())
            || (category == "execute" && (lower == "query" || lower == "input"))
            || described.contains("sql statement")
            || described.contains("shell command")
            || described.contains("javascript code")
            || described.contains("python code")
        {
            Some(ArgumentRisk::Code)
        } else if ty == "boolean" && FLAGS.contains(&lower.as_str()) {
            Some(ArgumentRisk::Flag)
        } else if PATH.contains(&lower.as_str())
            || lower.ends_with("_path")
            || lower.ends_with("path") && lower.len() > 4
        {
            Some(ArgumentRisk::Path)
        } else if MONEY.contains(&lower.as_str()) {
            Some(ArgumentRisk::Money)
        } else if ADDRESS.contains(&lower.as_str()) || lower.ends_with("_url") {
            Some(ArgumentRisk::Address)
        } else if RECIPIENT.contains(&lower.as_str()) && category != "read" {
            Some(ArgumentRisk::Recipient)
        } else if ty == "array"
            && category != "read"
            && (lower.ends_with('s') || lower.ends_with("ids"))
        {
            Some(ArgumentRisk::Bulk)
        } else {
            None
        };
        if let Some(r) = risk {
            out.push((name, r));
        }
    }
    out
}

/// The description's first sentence as plain one-line text, cut at a word
/// boundary near `max` bytes, hidden characters shown.
fn first_sentence(description: &str, max: usize) -> String {
    let line = description.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = line.trim();
    let mut end = line.len();
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if (b == b'.' || b == b'!' || b == b'?')
            && bytes.get(i + 1).is_none_or(|n| *n == b' ')
            && !ends_with_abbreviation(&line[..i + 1])
        {
            end = i + 1;
            break;
        }
    }
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

fn ends_with_abbreviation(s: &str) -> bool {
    let last = s.rsplit(' ').next().unwrap_or("").to_lowercase();
    ["e.g.", "i.e.", "etc.", "vs.", "approx.", "incl."].contains(&last.as_str())
        || last
            .trim_end_matches('.')
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
            && last.len() > 1
            && last.matches('.').count() > 1
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
            "The server does not say what “{name}” does; it is read as {} {} tool from its name and inputs",
            crate::text::article(&category.name),
            category.name
        ));
    } else {
        parts.push(format!(
            "In the server's words, “{name}”: “{}”",
            first_sentence(description, 180)
        ));
        parts.push(format!(
            "Read as {} {} tool: {}",
            crate::text::article(&category.name),
            category.name,
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

    fn tool(json: &str) -> ToolRecord {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn arguments_that_carry_danger_are_named_with_why() {
        let t = tool(
            r#"{"name":"run_query","inputSchema":{"type":"object","properties":{"sql":{"type":"string"},"force":{"type":"boolean"},"path":{"type":"string"},"limit":{"type":"integer"}}}}"#,
        );
        let args = risky_arguments(&t, "execute");
        assert_eq!(
            args,
            [
                ("sql".to_string(), ArgumentRisk::Code),
                ("force".to_string(), ArgumentRisk::Flag),
                ("path".to_string(), ArgumentRisk::Path)
            ]
        );
        let search = tool(
            r#"{"name":"search","inputSchema":{"type":"object","properties":{"query":{"type":"string"}}}}"#,
        );
        assert!(risky_arguments(&search, "read").is_empty());
    }

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
