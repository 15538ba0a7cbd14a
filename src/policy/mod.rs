//! Recommended policies, built as data and checked against the shipped schema.
//!
//! Owns the policy vocabulary in three rooms: [`fit`] builds a tool's
//! `policy.json` from its category's rule and its own arguments, and merges
//! a server's tools into one document; this module validates every
//! document against `policy.schema.json` (published at
//! `/schema/policy.schema.json`) and writes it as text; [`summary`] reads a
//! document back into a [`PolicySummary`] from which the page prose and FAQ
//! are written — so the prose can only describe what the document says.

use std::sync::OnceLock;

use serde_json::Value;

mod fit;
mod summary;

pub use fit::{ToolInput, server_policy, tool_policy};
pub use summary::{Access, Condition, Limit, PolicySummary};

/// The policy JSON Schema, as shipped and published.
pub const POLICY_SCHEMA: &str = include_str!("../builtin/policy.schema.json");

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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::classify::arguments::{Argument, arguments};
    use crate::config::Config;
    use crate::record::ToolRecord;

    fn config() -> Config {
        Config::parse("title = \"T\"\nbase_url = \"https://e.com/\"\n").unwrap()
    }

    fn args(schema: &str, category: &str) -> Vec<Argument> {
        let t: ToolRecord =
            serde_json::from_str(&format!(r#"{{"name":"t","inputSchema":{schema}}}"#)).unwrap();
        arguments(&t, category)
    }

    fn policy_of(name: &str, category: &str, arguments: &[Argument], c: &Config) -> Value {
        tool_policy(
            ToolInput {
                name,
                category: c.category(category).unwrap(),
                arguments,
            },
            &c.policy,
        )
    }

    #[test]
    fn default_rules_build_valid_documents() {
        let c = config();
        for cat in &c.categories {
            let doc = policy_of("some_tool", &cat.name, &[], &c);
            validate(&doc).unwrap_or_else(|e| panic!("{}: {e}", cat.name));
        }
        let exec = policy_of("run_job", "execute", &[], &c);
        assert_eq!(
            exec,
            json!({"version": "1", "default": "deny", "tools": {"run_job": {"limits": [
                {"counter": "run_job_rate", "window": "minute", "max": 10, "scope": "grant"},
                {"counter": "run_job_rate", "window": "hour", "max": 60, "scope": "grant"},
                {"counter": "run_job_rate", "window": "day", "max": 240, "scope": "grant"}]}}})
        );
        let hidden = policy_of("drop", "destructive", &[], &c);
        assert_eq!(
            hidden,
            json!({"version": "1", "default": "deny", "hide": ["drop"]})
        );
        let pay = policy_of("pay", "financial", &[], &c);
        assert_eq!(
            pay["tools"]["pay"]["approve"],
            json!({"on_deny": "Requires human approval."})
        );
        assert_eq!(pay["tools"]["pay"]["limits"][0]["window"], "hour");
        assert_eq!(pay["tools"]["pay"]["limits"][1]["window"], "day");
    }

    #[test]
    fn arguments_become_conditions() {
        let c = config();
        let a = args(
            r#"{"type":"object","properties":{
                "path":{"type":"string"},
                "amount":{"type":"number"},
                "limit":{"type":"integer"},
                "force":{"type":"boolean"},
                "confirm":{"type":"boolean"},
                "env":{"type":"string","enum":["dev","prod"]},
                "repo":{"type":"string"},
                "title":{"type":"string"}}}"#,
            "write",
        );
        let doc = policy_of("push", "write", &a, &c);
        validate(&doc).unwrap();
        assert_eq!(
            doc["tools"]["push"]["require"],
            json!([
                {"arg": "path", "op": "matches", "value": "^/workspace/"},
                {"arg": "path", "op": "not_matches", "value": fit_parent()},
                {"arg": "amount", "op": "at_most", "value": 100},
                {"arg": "limit", "op": "at_most", "value": 100},
                {"arg": "force", "op": "not_equals", "value": true},
                {"arg": "env", "op": "in", "value": ["dev", "prod"]},
                {"arg": "repo", "op": "in", "value": ["<replace with an allowed repo>"]}
            ])
        );
        // A read keeps its path and count caps but gets no allow-lists.
        let read = policy_of("get", "read", &a, &c);
        let ops: Vec<&str> = read["tools"]["get"]["require"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["arg"].as_str().unwrap())
            .collect();
        assert_eq!(ops, ["path", "path", "amount", "limit", "force"]);
        // A hidden tool gets nothing to meet: no call of it gets through.
        let gone = policy_of("rm", "destructive", &a, &c);
        assert!(gone.get("tools").is_none());
    }

    fn fit_parent() -> &'static str {
        fit::PARENT_STEP_PATTERN
    }

    #[test]
    fn site_settings_reach_the_conditions() {
        let c = Config::parse(
            "title = \"T\"\nbase_url = \"https://e.com/\"\n[policy]\npath_prefix = \"/srv/data.v2/\"\nmax_amount = 25\ntarget_allow_lists = false\n[categories.execute]\nper_day = 50\n",
        )
        .unwrap();
        let a = args(
            r#"{"type":"object","properties":{"file_path":{"type":"string"},"price":{"type":"integer"},"project_id":{"type":"string"}}}"#,
            "execute",
        );
        let doc = policy_of("run", "execute", &a, &c);
        validate(&doc).unwrap();
        let req = &doc["tools"]["run"]["require"];
        assert_eq!(req[0]["value"], r"^/srv/data\.v2/");
        assert_eq!(
            req[2],
            json!({"arg": "price", "op": "at_most", "value": 25})
        );
        assert_eq!(req.as_array().unwrap().len(), 3, "no allow-list: {req}");
        assert_eq!(doc["tools"]["run"]["limits"][2]["max"], 50);
        let summary = PolicySummary::of(&doc, "run");
        let text = summary.explain("run");
        assert!(
            text.contains("`file_path` must start with `/srv/data.v2/`"),
            "{text}"
        );
        assert!(text.contains("`price` may be at most `25`"), "{text}");
        assert!(
            text.contains("10 calls per minute, 60 per hour and 50 per day"),
            "{text}"
        );
    }

    #[test]
    fn bad_policy_settings_are_reported() {
        for bad in [
            "[policy]\npath_prefix = \"workspace\"\n",
            "[policy]\npath_prefix = \"/a/../b/\"\n",
            "[policy]\nmax_amount = 0\n",
            "[categories.execute]\nper_hour = 0\n",
        ] {
            let text = format!("title = \"T\"\nbase_url = \"https://e.com/\"\n{bad}");
            assert!(Config::parse(&text).is_err(), "{bad}");
        }
    }

    #[test]
    fn hostile_names_stay_data() {
        let c = config();
        let name = "\"}, \"default\": \"allow\", \"x\": {\"<script>";
        let a = args(
            r#"{"type":"object","properties":{"\"}]<b>":{"type":"string","enum":["`x`</code>"]}}}"#,
            "write",
        );
        let doc = policy_of(name, "write", &a, &c);
        validate(&doc).unwrap();
        assert_eq!(doc["default"], "deny");
        assert!(doc["tools"].get(name).is_some());
        let text = PolicySummary::of(&doc, name).explain(name);
        assert!(
            !text.contains("`x`"),
            "a backtick in a value must not end the code: {text}"
        );
    }

    #[test]
    fn hidden_characters_are_escaped_in_the_text_but_kept_in_the_value() {
        let c = config();
        let name = "a\u{200B}b\u{E0041}";
        let text = to_pretty(&policy_of(name, "read", &[], &c));
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
        let bad_cap = json!({"version": "1", "default": "deny", "tools": {"a": {"require": [{"arg": "n", "op": "at_most", "value": "ten"}]}}});
        assert!(validate(&bad_cap).is_err());
        let bad_list = json!({"version": "1", "default": "deny", "tools": {"a": {"require": [{"arg": "n", "op": "in", "value": "x"}]}}});
        assert!(validate(&bad_list).is_err());
        let no_message =
            json!({"version": "1", "default": "deny", "tools": {"a": {"approve": {}}}});
        assert!(validate(&no_message).is_err());
    }

    #[test]
    fn summaries_read_the_document() {
        let c = config();
        let cats = ["read", "write", "destructive", "financial"];
        let doc = server_policy(
            ["a", "b", "c", "d"]
                .iter()
                .zip(cats)
                .map(|(n, k)| ToolInput {
                    name: n,
                    category: c.category(k).unwrap(),
                    arguments: &[],
                }),
            &c.policy,
        );
        validate(&doc).unwrap();
        let a = PolicySummary::of(&doc, "a");
        assert_eq!(a.access, Access::Allowed);
        assert!(a.limits.is_empty() && a.conditions.is_empty());
        let b = PolicySummary::of(&doc, "b");
        assert_eq!(b.access, Access::Allowed);
        assert_eq!(
            b.limits,
            [Limit {
                counter: "b_rate".into(),
                max: 30,
                window: "minute".into(),
                scope: Some("grant".into())
            }]
        );
        assert_eq!(PolicySummary::of(&doc, "c").access, Access::Hidden);
        let d = PolicySummary::of(&doc, "d");
        assert_eq!(
            d.access,
            Access::Approval {
                message: "Requires human approval.".into()
            }
        );
        let said = d.explain("d");
        assert!(
            said.contains("approves") && said.contains("must deny"),
            "{said}"
        );
        assert_eq!(
            PolicySummary::of(&doc, "zz").access,
            Access::Default {
                default: "deny".into()
            }
        );
    }

    #[test]
    fn every_condition_is_put_in_words() {
        let doc = json!({"version": "1", "default": "deny", "tools": {"t": {"require": [
            {"arg": "a", "op": "equals", "value": 1},
            {"arg": "b", "op": "not_in", "value": ["x", "y"]},
            {"arg": "c", "op": "exists"},
            {"arg": "d", "op": "matches", "value": "^a+b$"},
            {"arg": "e", "op": "not_matches", "value": "z"}
        ], "deny_if": {"conditions": [{"arg": "f", "op": "equals", "value": true}], "on_deny": "No."}}}});
        validate(&doc).unwrap();
        let s = PolicySummary::of(&doc, "t");
        let text = s.explain("t");
        for part in [
            "denies a call to `t` that meets every one of these conditions (`deny_if`): `f` must be `true`",
            "`a` must be `1`",
            "`b` may not be `x` or `y`",
            "`c` must be given",
            "`d` must match the pattern `^a+b$`",
            "`e` may not match the pattern `z`",
            "leaves out is not checked",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
    }
}
