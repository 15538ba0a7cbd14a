//! Definition history: the canonical hash of a tool's definition, the
//! `history` entries of tools and servers as records carry them, checking
//! them, and reading an older definition back from them.
//!
//! A tool's definition is the part of its record a server controls and a
//! reviewer reads: `name`, `title`, `description`, `inputSchema` and
//! `annotations`. Its hash is SHA-256 over canonical JSON: an object of
//! those fields that are present, every object's keys sorted, no spaces.
//! `toolrisk import` appends an entry whenever the hash moves; the build
//! checks the entries and warns when the record no longer matches the
//! newest one (a hand edit nobody recorded).

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::record::ToolRecord;
pub use crate::record::{ServerChange, ToolChange};

/// The fields a definition's hash covers, in the order entries name them.
pub const DEFINITION_FIELDS: [&str; 5] =
    ["name", "title", "description", "inputSchema", "annotations"];

/// The most characters of a previous text an entry keeps; a longer text is
/// cut and the field named in `cut`.
pub const MAX_BEFORE_CHARS: usize = 4096;

/// The most bytes of a previous schema or annotations object (as compact
/// JSON) an entry keeps; a larger one is left out and named in `cut`.
pub const MAX_BEFORE_JSON_BYTES: usize = 16 * 1024;

/// The definition fields of a tool that are set, as JSON.
pub fn definition(tool: &ToolRecord) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), Value::String(tool.name.clone()));
    if let Some(t) = &tool.title {
        m.insert("title".into(), Value::String(t.clone()));
    }
    if let Some(d) = &tool.description {
        m.insert("description".into(), Value::String(d.clone()));
    }
    if let Some(s) = &tool.input_schema {
        m.insert("inputSchema".into(), s.clone());
    }
    if let Some(a) = &tool.annotations {
        let mut o = Map::new();
        if let Some(t) = &a.title {
            o.insert("title".into(), Value::String(t.clone()));
        }
        for (k, v) in [
            ("readOnlyHint", a.read_only_hint),
            ("destructiveHint", a.destructive_hint),
            ("idempotentHint", a.idempotent_hint),
            ("openWorldHint", a.open_world_hint),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), Value::Bool(v));
            }
        }
        m.insert("annotations".into(), Value::Object(o));
    }
    m
}

/// The canonical hash of a tool's definition: `sha256:` and 64 hex digits.
pub fn hash(tool: &ToolRecord) -> String {
    hash_definition(&definition(tool))
}

/// The canonical hash of a definition object.
pub fn hash_definition(def: &Map<String, Value>) -> String {
    let mut text = String::new();
    canonical(&Value::Object(def.clone()), &mut text);
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Compact JSON with every object's keys in byte order.
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// True for `sha256:` followed by 64 lowercase hex digits.
pub fn is_hash(s: &str) -> bool {
    s.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The entry that records `new` replacing `old` on `date`: the fields that
/// differ and their previous values, bounded.
pub fn change_entry(old: &ToolRecord, new: &ToolRecord, date: &str) -> Option<ToolChange> {
    let (a, b) = (definition(old), definition(new));
    let (old_hash, new_hash) = (hash_definition(&a), hash_definition(&b));
    if old_hash == new_hash {
        return None;
    }
    let mut entry = ToolChange {
        date: date.to_string(),
        hash: new_hash,
        previous: Some(old_hash),
        changed: Vec::new(),
        before: Map::new(),
        cut: Vec::new(),
    };
    for field in DEFINITION_FIELDS {
        let (was, is) = (a.get(field), b.get(field));
        if canonical_eq(was, is) {
            continue;
        }
        entry.changed.push(field.to_string());
        let Some(was) = was else { continue };
        match was {
            Value::String(s) if s.chars().count() > MAX_BEFORE_CHARS => {
                let kept: String = s.chars().take(MAX_BEFORE_CHARS).collect();
                entry.before.insert(field.into(), Value::String(kept));
                entry.cut.push(field.into());
            }
            Value::String(_) => {
                entry.before.insert(field.into(), was.clone());
            }
            _ if was.to_string().len() > MAX_BEFORE_JSON_BYTES => entry.cut.push(field.into()),
            _ => {
                entry.before.insert(field.into(), was.clone());
            }
        }
    }
    Some(entry)
}

fn canonical_eq(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            let (mut x, mut y) = (String::new(), String::new());
            canonical(a, &mut x);
            canonical(b, &mut y);
            x == y
        }
        _ => false,
    }
}

/// The first entry of a tool's history: its definition as it is now.
pub fn first_entry(tool: &ToolRecord, date: &str) -> ToolChange {
    ToolChange {
        date: date.to_string(),
        hash: hash(tool),
        previous: None,
        changed: Vec::new(),
        before: Map::new(),
        cut: Vec::new(),
    }
}

/// The definition as it was before `entry`, rebuilt from the one after it
/// and the entry's previous values. `None` when a changed field was cut, or
/// a previous value does not fit its field.
pub fn before(after: &ToolRecord, entry: &ToolChange) -> Option<ToolRecord> {
    if !entry.cut.is_empty() {
        return None;
    }
    let mut def = definition(after);
    for field in &entry.changed {
        match entry.before.get(field) {
            Some(v) => def.insert(field.clone(), v.clone()),
            None => def.remove(field),
        };
    }
    let mut old: ToolRecord = serde_json::from_value(Value::Object(def)).ok()?;
    old.category = after.category.clone();
    old.output_schema = after.output_schema.clone();
    Some(old)
}

/// Problems with a tool's `history`, as (entry number from 1, message).
pub fn check_tool_history(history: &[ToolChange]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut last_date: Option<&str> = None;
    for (i, e) in history.iter().enumerate() {
        let n = i + 1;
        if !crate::text::is_iso_date(&e.date) {
            out.push((
                n,
                format!("`date` is `{}`, not a date (YYYY-MM-DD)", e.date),
            ));
        } else if last_date.is_some_and(|d| d > e.date.as_str()) {
            out.push((
                n,
                format!(
                    "`date` {} is earlier than the entry before it; entries go oldest first",
                    e.date
                ),
            ));
        }
        last_date = Some(&e.date);
        if !is_hash(&e.hash) {
            out.push((
                n,
                "`hash` is not `sha256:` and 64 lowercase hex digits".into(),
            ));
        }
        match (&e.previous, i) {
            (Some(p), _) if !is_hash(p) => out.push((
                n,
                "`previous` is not `sha256:` and 64 lowercase hex digits".into(),
            )),
            (Some(p), i) if i > 0 && *p != history[i - 1].hash => {
                out.push((n, format!("`previous` is not the `hash` of entry {}", i)))
            }
            _ => {}
        }
        for f in e.changed.iter().chain(&e.cut).chain(e.before.keys()) {
            if !DEFINITION_FIELDS.contains(&f.as_str()) {
                out.push((
                    n,
                    format!(
                        "`{f}` is not a definition field (one of {})",
                        DEFINITION_FIELDS.join(", ")
                    ),
                ));
            }
        }
        for f in e.before.keys().chain(&e.cut) {
            if !e.changed.contains(f) {
                out.push((
                    n,
                    format!("`{f}` is in `before` or `cut` but not in `changed`"),
                ));
            }
        }
        for (f, v) in &e.before {
            let ok = match f.as_str() {
                "name" | "title" | "description" => v
                    .as_str()
                    .is_some_and(|s| s.chars().count() <= MAX_BEFORE_CHARS),
                _ => v.is_object() && v.to_string().len() <= MAX_BEFORE_JSON_BYTES,
            };
            if !ok {
                out.push((
                    n,
                    format!(
                        "`before.{f}` is not a {} within the size limit",
                        if matches!(f.as_str(), "name" | "title" | "description") {
                            "text"
                        } else {
                            "JSON object"
                        }
                    ),
                ));
            }
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
    fn hash_ignores_key_order_and_catalogue_fields() {
        let a = tool(
            r#"{"name":"x","inputSchema":{"type":"object","properties":{"a":{"type":"string"}}}}"#,
        );
        let b = tool(
            r#"{"category":"read","inputSchema":{"properties":{"a":{"type":"string"}},"type":"object"},"name":"x"}"#,
        );
        assert_eq!(hash(&a), hash(&b));
        assert!(is_hash(&hash(&a)));
        let c = tool(r#"{"name":"x","description":"d"}"#);
        assert_ne!(hash(&a), hash(&c));
    }

    #[test]
    fn change_entry_keeps_bounded_previous_text_and_rebuilds_the_old_definition() {
        let old = tool(&format!(
            r#"{{"name":"x","description":"{}","annotations":{{"readOnlyHint":true}}}}"#,
            "a".repeat(5000)
        ));
        let new = tool(r#"{"name":"x","description":"short","annotations":{"readOnlyHint":true}}"#);
        let e = change_entry(&old, &new, "2026-12-07").unwrap();
        assert_eq!(e.changed, ["description"]);
        assert_eq!(e.cut, ["description"]);
        assert_eq!(
            e.before["description"].as_str().unwrap().len(),
            MAX_BEFORE_CHARS
        );
        assert!(before(&new, &e).is_none());

        let old = tool(r#"{"name":"x","description":"old words","title":"T"}"#);
        let e = change_entry(&old, &new, "2026-12-07").unwrap();
        assert_eq!(e.changed, ["title", "description", "annotations"]);
        assert!(!e.before.contains_key("annotations"));
        let back = before(&new, &e).unwrap();
        assert_eq!(hash(&back), hash(&old));
        assert!(check_tool_history(&[first_entry(&old, "2026-12-01"), e]).is_empty());
    }

    #[test]
    fn history_problems_are_named() {
        let t = tool(r#"{"name":"x"}"#);
        let mut e = first_entry(&t, "2026-13-01");
        e.changed = vec!["category".into()];
        let problems = check_tool_history(&[e]);
        assert!(problems.iter().any(|(_, m)| m.contains("not a date")));
        assert!(
            problems
                .iter()
                .any(|(_, m)| m.contains("`category` is not a definition field"))
        );
    }
}
