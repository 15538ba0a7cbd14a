//! Recommended policies, built as data and checked against the shipped schema.
//!
//! Owns the policy vocabulary: building a tool's `policy.json` from its
//! category's rule, merging a server's tools into one document, validating
//! every document against `policy.schema.json` (published at
//! `/schema/policy.schema.json`), and reading a document back into a
//! [`PolicySummary`] from which the page prose and FAQ are written — so the
//! prose can only describe what the document really says.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use crate::config::{Category, PolicyAction};

/// The policy JSON Schema, as shipped and published.
pub const POLICY_SCHEMA: &str = include_str!("builtin/policy.schema.json");

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(POLICY_SCHEMA).expect("policy schema is JSON");
        jsonschema::validator_for(&schema).expect("policy schema compiles")
    })
}

/// Checks a document against the policy schema; the error lists every
/// violation with its JSON pointer.
pub fn validate(doc: &Value) -> Result<(), String> {
    let v = validator();
    if v.is_valid(doc) {
        return Ok(());
    }
    let problems: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at `{}`", e, e.instance_path()))
        .collect();
    Err(problems.join("; "))
}

/// What a category's rule does to one tool, as the entry under `tools`
/// (or `None` when the tool is hidden instead).
fn tool_entry(name: &str, category: &Category) -> Option<Value> {
    match category.policy {
        PolicyAction::Allow => Some(json!({})),
        PolicyAction::Limit => Some(json!({
            "limits": [{
                "counter": format!("{name}_rate"),
                "window": category.window.as_str(),
                "max": category.max,
                "scope": "grant"
            }]
        })),
        PolicyAction::Hide => None,
        PolicyAction::Deny => Some(json!({
            "deny_if": { "conditions": [], "on_deny": category.on_deny }
        })),
    }
}

/// The recommended policy document for one tool.
pub fn tool_policy(name: &str, category: &Category) -> Value {
    server_policy([(name, category)])
}

/// The recommended policy document for a whole server: every tool, in the
/// order given.
pub fn server_policy<'a>(tools: impl IntoIterator<Item = (&'a str, &'a Category)>) -> Value {
    let mut hide = Vec::new();
    let mut entries = Map::new();
    for (name, category) in tools {
        match tool_entry(name, category) {
            Some(entry) => {
                entries.insert(name.to_string(), entry);
            }
            None => hide.push(Value::String(name.to_string())),
        }
    }
    let mut doc = Map::new();
    doc.insert("version".into(), json!("1"));
    doc.insert("default".into(), json!("deny"));
    if !hide.is_empty() {
        doc.insert("hide".into(), Value::Array(hide));
    }
    if !entries.is_empty() {
        doc.insert("tools".into(), Value::Object(entries));
    }
    Value::Object(doc)
}

/// Pretty JSON with a trailing newline, as files and snippets show it.
/// Invisible and direction-changing characters (which can only occur inside
/// strings) are written as `\uXXXX` escapes: the same JSON value, but
/// nothing hidden from a reader.
pub fn to_pretty(doc: &Value) -> String {
    let mut pretty = serde_json::to_string_pretty(doc).expect("policy serialises");
    // Every hidden character is outside ASCII.
    if pretty.is_ascii() {
        pretty.push('\n');
        return pretty;
    }
    let mut s = String::with_capacity(pretty.len() + 1);
    for c in pretty.chars() {
        if crate::classify::poison::hidden_char_name(c).is_some() {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                s.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            s.push(c);
        }
    }
    s.push('\n');
    s
}

/// What a document says about one tool, read back from the document itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PolicySummary {
    /// Listed under `tools` with no conditions.
    Allowed,
    /// Listed with a rate limit.
    Limited {
        counter: String,
        max: u64,
        window: String,
        scope: Option<String>,
    },
    /// Listed in `hide`.
    Hidden,
    /// Listed with a `deny_if` that has no conditions.
    Denied { message: String },
    /// Listed with conditions this reader does not summarise.
    Conditional,
    /// Not named; the document's default applies.
    Default { default: String },
}

impl PolicySummary {
    /// Reads what `doc` does with the tool called `name`.
    pub fn of(doc: &Value, name: &str) -> PolicySummary {
        let hidden = doc
            .get("hide")
            .and_then(Value::as_array)
            .is_some_and(|h| h.iter().any(|v| v.as_str() == Some(name)));
        if hidden {
            return PolicySummary::Hidden;
        }
        let Some(entry) = doc.get("tools").and_then(|t| t.get(name)) else {
            let default = doc
                .get("default")
                .and_then(Value::as_str)
                .unwrap_or("deny")
                .to_string();
            return PolicySummary::Default { default };
        };
        if let Some(deny) = entry.get("deny_if") {
            let unconditional = deny
                .get("conditions")
                .and_then(Value::as_array)
                .is_some_and(|c| c.is_empty());
            let message = deny
                .get("on_deny")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            return if unconditional {
                PolicySummary::Denied { message }
            } else {
                PolicySummary::Conditional
            };
        }
        if let Some(limit) = entry
            .get("limits")
            .and_then(Value::as_array)
            .and_then(|l| l.first())
        {
            return PolicySummary::Limited {
                counter: limit
                    .get("counter")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                max: limit.get("max").and_then(Value::as_u64).unwrap_or(0),
                window: limit
                    .get("window")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                scope: limit
                    .get("scope")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            };
        }
        if entry.get("require").is_some() {
            return PolicySummary::Conditional;
        }
        PolicySummary::Allowed
    }

    /// One sentence saying what the policy does, naming only what the document contains.
    pub fn explain(&self, name: &str) -> String {
        match self {
            PolicySummary::Allowed => format!(
                "The policy lists `{name}` under `tools` with no conditions, so agents may call it freely; every tool it does not name is denied (`\"default\": \"deny\"`)."
            ),
            PolicySummary::Limited {
                counter,
                max,
                window,
                scope,
            } => format!(
                "The policy allows `{name}` at most {max} {} per {window}, counted in `{counter}`{}; every tool it does not name is denied.",
                if *max == 1 { "call" } else { "calls" },
                scope
                    .as_deref()
                    .map(|s| format!(" for each {s}"))
                    .unwrap_or_default()
            ),
            PolicySummary::Hidden => format!(
                "The policy puts `{name}` in `hide`: the gateway removes it from `tools/list`, so agents never see it, and denies any call that names it."
            ),
            PolicySummary::Denied { message } => format!(
                "The policy denies every call to `{name}` (`deny_if` with no conditions) and answers “{message}”, so a person must act instead."
            ),
            PolicySummary::Conditional => {
                format!("The policy allows `{name}` only when the conditions it lists hold.")
            }
            PolicySummary::Default { default } => {
                format!("The policy does not name `{name}`, so its default, `{default}`, applies.")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn config() -> Config {
        Config::parse("title = \"T\"\nbase_url = \"https://e.com/\"\n").unwrap()
    }

    #[test]
    fn default_rules_build_valid_documents() {
        let c = config();
        for cat in &c.categories {
            let doc = tool_policy("some_tool", cat);
            validate(&doc).unwrap_or_else(|e| panic!("{}: {e}", cat.name));
        }
        let exec = tool_policy("run_job", c.category("execute").unwrap());
        assert_eq!(
            exec,
            json!({"version": "1", "default": "deny", "tools": {"run_job": {"limits": [
                {"counter": "run_job_rate", "window": "minute", "max": 10, "scope": "grant"}]}}})
        );
        let hidden = tool_policy("drop", c.category("destructive").unwrap());
        assert_eq!(
            hidden,
            json!({"version": "1", "default": "deny", "hide": ["drop"]})
        );
    }

    #[test]
    fn hostile_names_stay_data() {
        let c = config();
        let name = "\"}, \"default\": \"allow\", \"x\": {\"<script>";
        let doc = tool_policy(name, c.category("write").unwrap());
        validate(&doc).unwrap();
        assert_eq!(doc["default"], "deny");
        assert!(doc["tools"].get(name).is_some());
    }

    #[test]
    fn hidden_characters_are_escaped_in_the_text_but_kept_in_the_value() {
        let c = config();
        let name = "a\u{200B}b\u{E0041}";
        let text = to_pretty(&tool_policy(name, c.category("read").unwrap()));
        assert!(text.contains("\"a\\u200bb\\udb40\\udc41\""), "{text}");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert!(back["tools"].get(name).is_some());
    }

    #[test]
    fn schema_rejects_bad_documents() {
        assert!(validate(&json!({"version": "1"})).is_err());
        assert!(validate(&json!({"version": "1", "default": "maybe"})).is_err());
        let bad_window = json!({"version": "1", "default": "deny", "tools": {"a": {"limits": [{"counter": "c", "window": "week", "max": 1}]}}});
        let err = validate(&bad_window).unwrap_err();
        assert!(err.contains("/tools/a/limits/0/window"), "{err}");
    }

    #[test]
    fn summaries_read_the_document() {
        let c = config();
        let doc = server_policy([
            ("a", c.category("read").unwrap()),
            ("b", c.category("write").unwrap()),
            ("c", c.category("destructive").unwrap()),
            ("d", c.category("financial").unwrap()),
        ]);
        validate(&doc).unwrap();
        assert_eq!(PolicySummary::of(&doc, "a"), PolicySummary::Allowed);
        assert_eq!(
            PolicySummary::of(&doc, "b"),
            PolicySummary::Limited {
                counter: "b_rate".into(),
                max: 30,
                window: "minute".into(),
                scope: Some("grant".into())
            }
        );
        assert_eq!(PolicySummary::of(&doc, "c"), PolicySummary::Hidden);
        assert_eq!(
            PolicySummary::of(&doc, "d"),
            PolicySummary::Denied {
                message: "Requires human approval.".into()
            }
        );
        assert_eq!(
            PolicySummary::of(&doc, "zz"),
            PolicySummary::Default {
                default: "deny".into()
            }
        );
    }
}
