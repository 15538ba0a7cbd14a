//! Builds the recommended policy of a tool from its category's rule *and*
//! its own arguments, as data: the rule gives the access (allowed, limited,
//! approved, hidden, denied) and the rates; the arguments give the
//! conditions every call must meet (`require`):
//!
//! - a path stays inside the site's folder (`[policy] path_prefix`) and
//!   never steps out of it with `..`;
//! - an amount of money and a count are capped (`max_amount`, `max_count`);
//! - a flag that widens the effect (`force`, `recursive`, `delete_branch`)
//!   may not be `true`;
//! - an argument limited to fixed values (an `enum`) on a tool that changes
//!   things gets an allow-list of those values, for the owner to narrow;
//! - an argument that chooses where a change lands (a repository, project,
//!   database, bucket, channel) gets an allow-list holding a placeholder
//!   the owner replaces ([`TARGET_PLACEHOLDER_PREFIX`]).
//!
//! Hidden and denied tools get no conditions: no call of theirs gets
//! through. The document is always valid against the shipped schema (a
//! property test holds it to that).

use serde_json::{Map, Value, json};

use crate::classify::arguments::{Argument, ArgumentRisk};
use crate::config::{Category, PolicyAction, PolicySettings};

/// What the fitting needs of one tool.
#[derive(Debug, Clone, Copy)]
pub struct ToolInput<'a> {
    /// The raw name: the policy key.
    pub name: &'a str,
    /// The category whose rule applies.
    pub category: &'a Category,
    /// The tool's arguments, with their risks.
    pub arguments: &'a [Argument],
}

/// Every placeholder in a target allow-list starts with this, so a reader
/// (and [`super::summary`]) can tell it from a real value.
pub const TARGET_PLACEHOLDER_PREFIX: &str = "<replace with an allowed ";

/// The pattern of a path that steps up out of a folder: a `..` segment.
pub const PARENT_STEP_PATTERN: &str = r"(^|[/\\])\.\.([/\\]|$)";

/// Argument names that count how much one call fetches or acts on.
const COUNTS: &[&str] = &[
    "limit",
    "count",
    "max_results",
    "maxresults",
    "max_count",
    "num_results",
    "page_size",
    "pagesize",
    "per_page",
    "perpage",
    "top_k",
    "topk",
    "max_items",
    "size",
    "n",
];

/// Argument names (or their last word) that choose where a change lands.
const TARGETS: &[&str] = &[
    "repo",
    "repository",
    "project",
    "project_id",
    "projectid",
    "workspace",
    "workspace_id",
    "database",
    "database_id",
    "bucket",
    "bucket_name",
    "org",
    "organization",
    "organization_id",
    "owner",
    "cluster",
    "namespace",
    "account_id",
    "site_id",
    "team_id",
    "channel",
    "channel_id",
];

/// A flag that is itself the guard against a mistake: requiring it false
/// would make the tool refuse its safe use.
const GUARD_FLAGS: &[&str] = &["confirm", "confirmed", "dry_run", "dryrun"];

/// The recommended policy document for one tool.
pub fn tool_policy(tool: ToolInput<'_>, settings: &PolicySettings) -> Value {
    server_policy([tool], settings)
}

/// The recommended policy document for a whole server: every tool, in the
/// order given.
pub fn server_policy<'a>(
    tools: impl IntoIterator<Item = ToolInput<'a>>,
    settings: &PolicySettings,
) -> Value {
    let mut hide = Vec::new();
    let mut entries = Map::new();
    for tool in tools {
        match tool_entry(tool, settings) {
            Some(entry) => {
                entries.insert(tool.name.to_string(), entry);
            }
            None => hide.push(Value::String(tool.name.to_string())),
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

/// The entry under `tools` for one tool, or `None` when it is hidden.
fn tool_entry(tool: ToolInput<'_>, settings: &PolicySettings) -> Option<Value> {
    let category = tool.category;
    let mut entry = Map::new();
    match category.policy {
        PolicyAction::Hide => return None,
        PolicyAction::Deny => {
            entry.insert(
                "deny_if".into(),
                json!({ "conditions": [], "on_deny": category.on_deny }),
            );
            return Some(Value::Object(entry));
        }
        PolicyAction::Allow => {}
        PolicyAction::Limit => {
            entry.insert("limits".into(), limits(tool.name, category));
        }
        PolicyAction::Approve => {
            entry.insert("approve".into(), json!({ "on_deny": category.on_deny }));
            entry.insert("limits".into(), limits(tool.name, category));
        }
    }
    let changes = category.policy != PolicyAction::Allow;
    let require = conditions(tool.arguments, changes, settings);
    if !require.is_empty() {
        entry.insert("require".into(), Value::Array(require));
    }
    Some(Value::Object(entry))
}

/// The rate limits: the category's window, then any hourly and daily cap
/// wider than it, all on one counter.
fn limits(name: &str, category: &Category) -> Value {
    let counter = format!("{name}_rate");
    let mut out = vec![json!({
        "counter": counter,
        "window": category.window.as_str(),
        "max": category.max,
        "scope": "grant"
    })];
    let order = |w: &str| ["minute", "hour", "day"].iter().position(|x| *x == w);
    for (window, max) in [("hour", category.per_hour), ("day", category.per_day)] {
        if let Some(max) = max
            && order(window) > order(category.window.as_str())
        {
            out.push(json!({ "counter": counter, "window": window, "max": max, "scope": "grant" }));
        }
    }
    Value::Array(out)
}

/// The conditions a call must meet, from the arguments. `changes` is true
/// for a tool whose rule does more than allow it (a tool that changes
/// things): only those get allow-lists, a plain read is not narrowed to
/// its own enum.
fn conditions(arguments: &[Argument], changes: bool, settings: &PolicySettings) -> Vec<Value> {
    let mut out = Vec::new();
    for a in arguments {
        // A condition needs a name to point at (the schema requires one).
        if a.name.is_empty() {
            continue;
        }
        let lower = a.name.to_lowercase();
        let numeric = a.ty == "integer" || a.ty == "number";
        match a.risk {
            Some(ArgumentRisk::Path) if a.ty == "string" || a.ty == "any" => {
                out.push(json!({
                    "arg": a.name,
                    "op": "matches",
                    "value": format!("^{}", regex_escape(&settings.path_prefix)),
                }));
                out.push(
                    json!({ "arg": a.name, "op": "not_matches", "value": PARENT_STEP_PATTERN }),
                );
                continue;
            }
            Some(ArgumentRisk::Money) if numeric => {
                out.push(json!({ "arg": a.name, "op": "at_most", "value": settings.max_amount }));
                continue;
            }
            Some(ArgumentRisk::Flag) if !GUARD_FLAGS.contains(&lower.as_str()) => {
                out.push(json!({ "arg": a.name, "op": "not_equals", "value": true }));
                continue;
            }
            _ => {}
        }
        if numeric && COUNTS.contains(&lower.as_str()) {
            out.push(json!({ "arg": a.name, "op": "at_most", "value": settings.max_count }));
        } else if changes && !a.values.is_empty() && a.ty == "string" {
            out.push(json!({ "arg": a.name, "op": "in", "value": a.values }));
        } else if changes && settings.target_allow_lists && a.ty == "string" && is_target(&lower) {
            out.push(json!({
                "arg": a.name,
                "op": "in",
                "value": [format!("{TARGET_PLACEHOLDER_PREFIX}{}>", a.name)],
            }));
        }
    }
    out
}

/// True for an argument that names where a change lands.
fn is_target(lower: &str) -> bool {
    TARGETS.contains(&lower)
        || lower
            .rsplit(['_', '-'])
            .next()
            .is_some_and(|last| last != lower && TARGETS.contains(&last))
}

/// The characters a regular expression gives a meaning; escaped with `\`,
/// they stand for themselves in every common engine.
const META: &str = r"\.+*?()|[]{}^$";

/// `text` with every regular-expression metacharacter escaped.
pub fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if META.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The text a pattern made by [`regex_escape`] after `^` matches at the
/// start, or `None` when the pattern is anything else.
pub fn literal_prefix(pattern: &str) -> Option<String> {
    let body = pattern.strip_prefix('^')?;
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let next = chars.next()?;
            if !META.contains(next) {
                return None;
            }
            out.push(next);
        } else if META.contains(c) {
            return None;
        } else {
            out.push(c);
        }
    }
    Some(out)
}
