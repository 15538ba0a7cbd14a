//! Merging site.toml's `[categories.<name>]` patches over the built-in
//! category table (`src/builtin/categories.toml`), and the checks a merged
//! category must pass.

use std::collections::BTreeMap;

use super::*;

/// Merges site.toml's category patches over the built-in table.
pub(super) fn merge_categories(
    patches: BTreeMap<String, CategoryPatch>,
    problems: &mut Diagnostics,
) -> Vec<Category> {
    let builtin: CategoryFile =
        toml::from_str(BUILTIN_CATEGORIES).expect("built-in categories parse");
    let mut builtin = builtin.categories;
    let mut out = Vec::new();
    for name in BUILTIN_ORDER {
        let base = builtin.remove(name).expect("built-in category present");
        out.push(apply_patch(name, base, CategoryPatch::default()));
    }
    for (name, patch) in patches {
        if let Some(existing) = out.iter_mut().find(|c| c.name == name) {
            let merged = apply_patch_to(existing.clone(), patch);
            *existing = merged;
            continue;
        }
        if !is_valid_category_name(&name) {
            problems.push(
                Diagnostic::in_file("site.toml", format!("category name `{name}` is not allowed"))
                    .help("category names are lowercase letters, digits and `-`, used as URL segments; `page` is reserved"),
            );
            continue;
        }
        if patch.risk.is_none() || patch.policy.is_none() {
            problems.push(
                Diagnostic::in_file("site.toml", format!("new category `{name}` needs a `risk` and a `policy`"))
                    .help("for example: [categories.name] risk = \"medium\", policy = \"limit\", max = 30, window = \"minute\""),
            );
            continue;
        }
        let base = Category {
            name: name.clone(),
            risk: Risk::Medium,
            meaning: String::new(),
            policy: PolicyAction::Allow,
            max: 30,
            window: Window::Minute,
            per_hour: None,
            per_day: None,
            on_deny: "Requires human approval.".into(),
            words: vec![],
            phrases: vec![],
            params: vec![],
        };
        out.push(apply_patch_to(base, patch));
    }
    for c in &out {
        for (field, list) in [
            ("words", &c.words),
            ("phrases", &c.phrases),
            ("params", &c.params),
        ] {
            if list.iter().any(|w| w.trim().is_empty()) {
                problems.push(
                    Diagnostic::in_file(
                        "site.toml",
                        format!("category `{}` has an empty entry in `{field}`", c.name),
                    )
                    .help("remove the empty string; an empty rule would match everything"),
                );
            }
        }
        if matches!(c.policy, PolicyAction::Deny | PolicyAction::Approve)
            && c.on_deny.trim().is_empty()
        {
            problems.push(
                Diagnostic::in_file("site.toml", format!("category `{}` denies calls but its `on_deny` message is empty", c.name))
                    .help("say what the agent should be told, e.g. on_deny = \"Requires human approval.\""),
            );
        }
        for (field, v) in [("per_hour", c.per_hour), ("per_day", c.per_day)] {
            if v == Some(0) {
                problems.push(
                    Diagnostic::in_file(
                        "site.toml",
                        format!("category `{}` sets {field} = 0", c.name),
                    )
                    .help("leave it out for no cap of that window, or use policy = \"deny\" to refuse every call"),
                );
            }
        }
        if matches!(c.policy, PolicyAction::Limit | PolicyAction::Approve) && c.max == 0 {
            problems.push(Diagnostic::in_file(
                "site.toml",
                format!(
                    "category `{}` limits calls to 0; use policy = \"deny\" instead",
                    c.name
                ),
            ));
        }
    }
    out
}

fn apply_patch(name: &str, base: CategoryPatch, patch: CategoryPatch) -> Category {
    let category = Category {
        name: name.to_string(),
        risk: base.risk.unwrap_or(Risk::Medium),
        meaning: base.meaning.unwrap_or_default(),
        policy: base.policy.unwrap_or(PolicyAction::Allow),
        max: base.max.unwrap_or(30),
        window: base.window.unwrap_or(Window::Minute),
        per_hour: base.per_hour,
        per_day: base.per_day,
        on_deny: base
            .on_deny
            .unwrap_or_else(|| "Requires human approval.".into()),
        words: base.words.unwrap_or_default(),
        phrases: base.phrases.unwrap_or_default(),
        params: base.params.unwrap_or_default(),
    };
    apply_patch_to(category, patch)
}

fn apply_patch_to(mut c: Category, p: CategoryPatch) -> Category {
    if let Some(v) = p.risk {
        c.risk = v;
    }
    if let Some(v) = p.meaning {
        c.meaning = v;
    }
    if let Some(v) = p.policy {
        c.policy = v;
    }
    if let Some(v) = p.max {
        c.max = v;
    }
    if let Some(v) = p.window {
        c.window = v;
    }
    if let Some(v) = p.per_hour {
        c.per_hour = Some(v);
    }
    if let Some(v) = p.per_day {
        c.per_day = Some(v);
    }
    if let Some(v) = p.on_deny {
        c.on_deny = v;
    }
    let lower = |v: Vec<String>| v.into_iter().map(|s| s.to_lowercase()).collect();
    if let Some(v) = p.words {
        c.words = lower(v);
    }
    if let Some(v) = p.phrases {
        c.phrases = lower(v);
    }
    if let Some(v) = p.params {
        c.params = lower(v);
    }
    c
}

fn is_valid_category_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name != crate::routes::LIST_PAGE
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
