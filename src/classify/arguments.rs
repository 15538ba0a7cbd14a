//! A tool's arguments as a reader and a policy need them: each input-schema
//! property's name, type, whether it is required, its description, the
//! values it is limited to, and the risk it carries with why (free-form code
//! or a query, a path, an amount, a dangerous flag, an address, a recipient,
//! a list). The tool page's argument table, the explanation and the fitted
//! policy (`policy::fit`) all read this one list. Pure function of the
//! record; every string in it is the server's, so hostile text.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::features::schema_properties;
use crate::record::ToolRecord;

/// Most arguments kept of one tool; a schema with more is cut (the page
/// says how many were left out).
pub const MAX_ARGUMENTS: usize = 60;
/// Longest argument description kept, in bytes.
const MAX_DESCRIPTION: usize = 400;
/// Most enum values kept of one argument.
const MAX_VALUES: usize = 40;

/// One argument of a tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Argument {
    /// The property name, as the server wrote it.
    pub name: String,
    /// The JSON type (`string`, `integer`, ...; `any` when unstated).
    #[serde(rename = "type")]
    pub ty: String,
    /// Listed in the schema's `required`.
    pub required: bool,
    /// The property's own description, one line, cut near 400 bytes.
    pub description: String,
    /// The values an `enum` limits it to (strings and numbers as text).
    pub values: Vec<String>,
    /// The risk it carries, if any.
    pub risk: Option<ArgumentRisk>,
}

/// Every top-level argument of `tool` read as `category`, in schema order.
pub fn arguments(tool: &ToolRecord, category: &str) -> Vec<Argument> {
    let schema = tool.input_schema.as_ref();
    let props = schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object);
    let required: Vec<&str> = schema
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let risks = risky_arguments(tool, category);
    schema_properties(schema)
        .into_iter()
        .take(MAX_ARGUMENTS)
        .map(|(name, ty, _)| {
            let prop = props.and_then(|p| p.get(&name));
            let description = prop
                .and_then(|p| p.get("description"))
                .and_then(Value::as_str)
                .map(|d| super::poison::reveal(&one_line(d)).into_owned())
                .unwrap_or_default();
            let values = prop
                .and_then(|p| p.get("enum"))
                .and_then(Value::as_array)
                .map(|e| {
                    e.iter()
                        .take(MAX_VALUES)
                        .filter_map(|v| match v {
                            Value::String(s) => Some(s.clone()),
                            Value::Number(n) => Some(n.to_string()),
                            Value::Bool(b) => Some(b.to_string()),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            Argument {
                required: required.contains(&name.as_str()),
                risk: risks.iter().find(|(n, _)| *n == name).map(|(_, r)| *r),
                name,
                ty,
                description,
                values,
            }
        })
        .collect()
}

/// How many top-level arguments the schema has, kept or not.
pub fn argument_count(tool: &ToolRecord) -> usize {
    schema_properties(tool.input_schema.as_ref()).len()
}

/// Whitespace collapsed to single spaces, cut at a word boundary.
fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.len() <= MAX_DESCRIPTION {
        return line;
    }
    let mut cut = MAX_DESCRIPTION;
    while !line.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &line[..cut];
    format!("{}…", head.rfind(' ').map_or(head, |sp| &head[..sp]))
}

/// Why an argument carries danger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    fn every_argument_is_listed_with_type_requirement_values_and_risk() {
        let t = tool(
            r#"{"name":"deploy","inputSchema":{"type":"object","required":["env"],"properties":{"env":{"type":"string","enum":["dev","prod"],"description":"Where to\n deploy."},"force":{"type":"boolean"},"note":{}}}}"#,
        );
        let args = arguments(&t, "execute");
        assert_eq!(args.len(), 3);
        assert_eq!(args[0].name, "env");
        assert_eq!(args[0].ty, "string");
        assert!(args[0].required);
        assert_eq!(args[0].values, ["dev", "prod"]);
        assert_eq!(args[0].description, "Where to deploy.");
        assert_eq!(args[0].risk, None);
        assert_eq!(args[1].risk, Some(ArgumentRisk::Flag));
        assert!(!args[1].required);
        assert_eq!(args[2].ty, "any");
    }

    #[test]
    fn long_descriptions_are_cut_at_a_word() {
        let cut = one_line(&"word ".repeat(200));
        assert!(
            cut.ends_with("word…") && cut.len() <= MAX_DESCRIPTION + 4,
            "{cut}"
        );
    }
}
