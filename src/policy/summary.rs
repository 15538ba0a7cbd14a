//! Reads a policy document back into what it does with one tool — the
//! access, every rate limit, every condition — and writes that in words.
//! The page's explanation and FAQ are made from this, never from the
//! category, so they cannot name a field, number or window the snippet
//! lacks, and every construct the builder emits is described.

use serde::Serialize;
use serde_json::Value;

use super::fit::{PARENT_STEP_PATTERN, TARGET_PLACEHOLDER_PREFIX, literal_prefix};
use crate::classify::poison::reveal;
use crate::text;

/// What a document does with one tool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicySummary {
    pub access: Access,
    /// Every rate limit of the tool's entry, in the document's order.
    pub limits: Vec<Limit>,
    /// Every condition of the entry's `require`, in order.
    pub conditions: Vec<Condition>,
}

/// Whether a call can get through at all.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Access {
    /// Listed under `tools`; calls go through (within limits and conditions).
    Allowed,
    /// Listed with `approve`: each call waits for a person.
    Approval { message: String },
    /// Listed in `hide`.
    Hidden,
    /// Listed with a `deny_if` that has no conditions.
    Denied { message: String },
    /// Listed with a `deny_if` that denies only some calls.
    DeniedWhen {
        message: String,
        conditions: Vec<Condition>,
    },
    /// Not named; the document's default applies.
    Default { default: String },
}

/// One entry of `limits`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limit {
    pub counter: String,
    pub max: u64,
    pub window: String,
    pub scope: Option<String>,
}

/// One condition on a call's arguments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub arg: String,
    pub op: String,
    pub value: Value,
}

impl PolicySummary {
    /// Reads what `doc` does with the tool called `name`.
    pub fn of(doc: &Value, name: &str) -> PolicySummary {
        let hidden = doc
            .get("hide")
            .and_then(Value::as_array)
            .is_some_and(|h| h.iter().any(|v| v.as_str() == Some(name)));
        let entry = doc.get("tools").and_then(|t| t.get(name));
        let access = if hidden {
            Access::Hidden
        } else if let Some(entry) = entry {
            if let Some(deny) = entry.get("deny_if") {
                let message = str_of(deny, "on_deny");
                let conditions = conditions_of(deny.get("conditions"));
                if conditions.is_empty() {
                    Access::Denied { message }
                } else {
                    Access::DeniedWhen {
                        message,
                        conditions,
                    }
                }
            } else if let Some(approve) = entry.get("approve") {
                Access::Approval {
                    message: str_of(approve, "on_deny"),
                }
            } else {
                Access::Allowed
            }
        } else {
            Access::Default {
                default: doc
                    .get("default")
                    .and_then(Value::as_str)
                    .unwrap_or("deny")
                    .to_string(),
            }
        };
        let (limits, conditions) = match (&access, entry) {
            (Access::Allowed | Access::Approval { .. } | Access::DeniedWhen { .. }, Some(e)) => (
                e.get("limits")
                    .and_then(Value::as_array)
                    .map(|l| l.iter().map(limit_of).collect())
                    .unwrap_or_default(),
                conditions_of(e.get("require")),
            ),
            _ => (Vec::new(), Vec::new()),
        };
        PolicySummary {
            access,
            limits,
            conditions,
        }
    }

    /// True when no call to the tool can get through.
    pub fn blocks_every_call(&self) -> bool {
        matches!(self.access, Access::Hidden | Access::Denied { .. })
            || matches!(&self.access, Access::Default { default } if default == "deny")
    }

    /// The limits in words: "at most 10 calls per minute, 60 per hour and
    /// 240 per day, counted in `x_rate` for each grant".
    pub fn limits_text(&self) -> Option<String> {
        let first = self.limits.first()?;
        let same = self
            .limits
            .iter()
            .all(|l| l.counter == first.counter && l.scope == first.scope);
        let parts: Vec<String> = self
            .limits
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let amount = if i == 0 {
                    text::count(l.max as usize, "call", "calls")
                } else {
                    l.max.to_string()
                };
                if same {
                    format!("{amount} per {}", l.window)
                } else {
                    format!("{amount} per {} (counted in `{}`)", l.window, l.counter)
                }
            })
            .collect();
        let counted = if same {
            format!(
                ", counted in `{}`{}",
                first.counter,
                first
                    .scope
                    .as_deref()
                    .map(|s| format!(" for each {s}"))
                    .unwrap_or_default()
            )
        } else {
            String::new()
        };
        Some(format!("at most {}{counted}", text::join_and(&parts)))
    }

    /// What the policy does, as the end of "The recommended policy …".
    pub fn doing(&self) -> String {
        let within = self
            .limits_text()
            .map(|l| format!(" {}", l.split(", counted").next().unwrap_or(&l)))
            .unwrap_or_default();
        let conditions = match self.conditions.len() {
            0 => String::new(),
            1 => ", and only when its condition holds".to_string(),
            2 => ", and only when both its conditions hold".to_string(),
            n => format!(", and only when all {n} of its conditions hold"),
        };
        match &self.access {
            Access::Allowed if self.limits.is_empty() && self.conditions.is_empty() => {
                "lets agents call it freely".to_string()
            }
            Access::Allowed => format!("lets agents call it{within}{conditions}"),
            Access::Approval { .. } => {
                format!("lets a call through only once a person approves it{within}{conditions}")
            }
            Access::Hidden => "hides it from agents altogether".to_string(),
            Access::Denied { .. } => {
                "denies every call to it, so a person must act instead".to_string()
            }
            Access::DeniedWhen { .. } => {
                "denies the calls that meet the conditions it lists".to_string()
            }
            Access::Default { default } => format!("leaves it to the default, “{default}”"),
        }
    }

    /// What the policy does with the tool, in sentences naming only what
    /// the document contains. `name` is the tool's name as shown.
    pub fn explain(&self, name: &str) -> String {
        let limits = self.limits_text();
        let mut s = match &self.access {
            Access::Allowed => match &limits {
                None => format!(
                    "The policy lists `{name}` under `tools`, so agents may call it{}; every tool it does not name is denied (`\"default\": \"deny\"`).",
                    if self.conditions.is_empty() {
                        " freely"
                    } else {
                        ""
                    }
                ),
                Some(l) => format!(
                    "The policy allows `{name}` {l}; every tool it does not name is denied."
                ),
            },
            Access::Approval { message } => format!(
                "The policy lets a call to `{name}` through only after a person approves it (`approve`){}; a call nobody approves is refused with the message “{message}”{} The gateway must support approvals: one that cannot ask a person must deny the call.",
                limits.map(|l| format!(", {l}")).unwrap_or_default(),
                if message.ends_with(['.', '!', '?']) {
                    ""
                } else {
                    "."
                }
            ),
            Access::Hidden => format!(
                "The policy puts `{name}` in `hide`: the gateway removes it from `tools/list`, so agents never see it, and denies any call that names it."
            ),
            Access::Denied { message } => format!(
                "The policy denies every call to `{name}` (`deny_if` with no conditions) and answers “{message}”, so a person must act instead."
            ),
            Access::DeniedWhen {
                message,
                conditions,
            } => format!(
                "The policy denies a call to `{name}` that meets every one of these conditions (`deny_if`): {}; it answers “{message}”.",
                conditions
                    .iter()
                    .map(Condition::describe)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Access::Default { default } => {
                format!("The policy does not name `{name}`, so its default, `{default}`, applies.")
            }
        };
        let (placeholders, others): (Vec<&Condition>, Vec<&Condition>) = self
            .conditions
            .iter()
            .partition(|c| c.is_placeholder_list());
        if !self.conditions.is_empty() {
            let mut described: Vec<String> = others.iter().map(|c| c.describe()).collect();
            if !placeholders.is_empty() {
                let args: Vec<String> =
                    placeholders.iter().map(|c| code(&reveal(&c.arg))).collect();
                described.push(format!(
                    "{} must be on {} that so far {} only a placeholder ({})",
                    text::join_and(&args),
                    if args.len() == 1 {
                        "an allow-list"
                    } else {
                        "allow-lists"
                    },
                    if args.len() == 1 { "holds" } else { "hold" },
                    placeholders
                        .iter()
                        .filter_map(|c| c.value.as_array().and_then(|v| v.first()))
                        .map(value_code)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            s.push_str(&format!(
                " Every call must meet {} (`require`): {}; an argument the call leaves out is not checked.",
                if self.conditions.len() == 1 {
                    "one condition".to_string()
                } else {
                    format!("{} conditions", self.conditions.len())
                },
                described.join("; ")
            ));
            if !placeholders.is_empty() {
                s.push_str(&format!(
                    " Replace each placeholder with the values agents may use: until then, a call that sets {} is refused.",
                    if placeholders.len() == 1 { "it" } else { "one of them" }
                ));
            }
        }
        s
    }
}

impl Condition {
    /// True for an allow-list holding only the placeholders the builder
    /// writes for an argument that chooses a target.
    pub fn is_placeholder_list(&self) -> bool {
        self.op == "in"
            && self.value.as_array().is_some_and(|v| {
                !v.is_empty()
                    && v.iter().all(|x| {
                        x.as_str()
                            .is_some_and(|s| s.starts_with(TARGET_PLACEHOLDER_PREFIX))
                    })
            })
    }

    /// The condition in words, the argument and values as code.
    pub fn describe(&self) -> String {
        let arg = code(&reveal(&self.arg));
        match self.op.as_str() {
            "matches" => match self.value.as_str().and_then(literal_prefix) {
                Some(prefix) => format!("{arg} must start with {}", code(&reveal(&prefix))),
                None => format!("{arg} must match the pattern {}", value_code(&self.value)),
            },
            "not_matches" if self.value.as_str() == Some(PARENT_STEP_PATTERN) => {
                format!("{arg} may not climb out of its folder with a `..` step")
            }
            "not_matches" => format!(
                "{arg} may not match the pattern {}",
                value_code(&self.value)
            ),
            "at_most" => format!("{arg} may be at most {}", value_code(&self.value)),
            "equals" => format!("{arg} must be {}", value_code(&self.value)),
            "not_equals" => format!("{arg} may not be {}", value_code(&self.value)),
            "exists" => format!("{arg} must be given"),
            "in" | "not_in" => {
                let values = self.value.as_array().cloned().unwrap_or_default();
                if self.is_placeholder_list() {
                    return format!(
                        "{arg} must be on an allow-list that so far holds only a placeholder, {}",
                        value_code(&values[0])
                    );
                }
                let listed = if values.len() <= 8 {
                    text::join_or(&values.iter().map(value_code).collect::<Vec<_>>())
                } else {
                    format!("the {} values the policy lists", values.len())
                };
                if self.op == "in" {
                    format!(
                        "{arg} must be {}{listed}",
                        if values.len() > 1 { "one of " } else { "" }
                    )
                } else {
                    format!("{arg} may not be {listed}")
                }
            }
            other => format!("{arg} must meet `{}`", other.replace('`', "'")),
        }
    }
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn limit_of(l: &Value) -> Limit {
    Limit {
        counter: str_of(l, "counter"),
        max: l.get("max").and_then(Value::as_u64).unwrap_or(0),
        window: str_of(l, "window"),
        scope: l.get("scope").and_then(Value::as_str).map(str::to_string),
    }
}

fn conditions_of(list: Option<&Value>) -> Vec<Condition> {
    list.and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .map(|c| Condition {
                    arg: str_of(c, "arg"),
                    op: str_of(c, "op"),
                    value: c.get("value").cloned().unwrap_or(Value::Null),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Text as inline code; a backtick inside would end the code early, so it
/// is shown as a quote mark.
fn code(s: &str) -> String {
    format!("`{}`", s.replace('`', "'"))
}

/// A JSON value as inline code: strings as their text, the rest as JSON.
fn value_code(v: &Value) -> String {
    match v {
        Value::String(s) => code(&reveal(s)),
        other => code(&other.to_string()),
    }
}
