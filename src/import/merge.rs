//! Turning a server's answer into a record: the imported tools replace the
//! server-owned fields of the old record, the fields people set by hand
//! stay, and every definition that moved gets a history entry.
//!
//! Works on the record as JSON, so fields and their order survive as they
//! were written; the result is checked by the same loader a build uses
//! before anything is written.

use serde_json::{Map, Value};

use crate::catalogue::history::{self, ServerChange};
use crate::catalogue::record::ToolRecord;

/// The fields of a tool that come from the server; everything else in a
/// tool's record (`category`, `risk`, `rationale`, `history`) is the
/// catalogue's own and kept.
pub const SERVER_FIELDS: [&str; 8] = [
    "name",
    "title",
    "description",
    "inputSchema",
    "outputSchema",
    "annotations",
    "icons",
    "_meta",
];

/// The longest server name, title or version kept from `initialize`.
const MAX_INFO_CHARS: usize = 256;

/// What an import changed, for the summary line.
#[derive(Debug, Default)]
pub struct Summary {
    pub tools: usize,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

fn bounded(s: &str) -> String {
    s.chars().take(MAX_INFO_CHARS).collect()
}

/// The record after an import. `old` is the record's JSON when it exists;
/// `tools` the server's tool objects in its order.
pub fn merge(
    old: Option<&Map<String, Value>>,
    info: &rmcp::model::Implementation,
    tools: &[Value],
    slug: &str,
    date: &str,
) -> Result<(Map<String, Value>, Summary), String> {
    let mut record = match old {
        Some(o) => o.clone(),
        None => {
            let mut m = Map::new();
            let name = info
                .title
                .as_deref()
                .filter(|t| !t.trim().is_empty())
                .unwrap_or(&info.name);
            let name = if name.trim().is_empty() { slug } else { name };
            m.insert("name".into(), Value::String(bounded(name)));
            m
        }
    };
    record.insert("checked".into(), Value::String(date.into()));
    let mut si = Map::new();
    si.insert("name".into(), Value::String(bounded(&info.name)));
    if let Some(t) = &info.title {
        si.insert("title".into(), Value::String(bounded(t)));
    }
    if !info.version.is_empty() {
        si.insert("version".into(), Value::String(bounded(&info.version)));
    }
    record.insert("serverInfo".into(), Value::Object(si));

    let old_tools: Vec<Map<String, Value>> = record
        .get("tools")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|t| t.as_object().cloned()).collect())
        .unwrap_or_default();
    let name_of =
        |t: &Map<String, Value>| t.get("name").and_then(Value::as_str).map(str::to_string);
    let mut summary = Summary {
        tools: tools.len(),
        ..Summary::default()
    };
    let mut new_tools = Vec::with_capacity(tools.len());
    let mut listed = std::collections::HashSet::new();
    for (i, t) in tools.iter().enumerate() {
        let Some(obj) = t.as_object() else {
            return Err(format!("tool {} of the list is not an object", i + 1));
        };
        let Some(name) = name_of(obj) else {
            return Err(format!("tool {} of the list has no `name`", i + 1));
        };
        listed.insert(name.clone());
        let mut out = Map::new();
        for f in SERVER_FIELDS {
            if let Some(v) = obj.get(f) {
                out.insert(f.into(), v.clone());
            }
        }
        let new_rec: ToolRecord =
            serde_json::from_value(Value::Object(out.clone())).map_err(|e| {
                format!(
                    "tool `{}` is not an MCP Tool object: {e}",
                    crate::text::for_terminal(&name)
                )
            })?;
        let previous = old_tools
            .iter()
            .find(|o| name_of(o).as_deref() == Some(name.as_str()));
        let mut hist: Vec<Value> = Vec::new();
        match previous {
            Some(prev) => {
                for (k, v) in prev {
                    if !SERVER_FIELDS.contains(&k.as_str()) && k != "history" {
                        out.insert(k.clone(), v.clone());
                    }
                }
                hist = prev
                    .get("history")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let old_rec: Option<ToolRecord> = serde_json::from_value(Value::Object(
                    prev.iter()
                        .filter(|(k, _)| SERVER_FIELDS.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ))
                .ok();
                if let Some(old_rec) = old_rec {
                    let newest = hist
                        .last()
                        .and_then(|e| e.get("hash"))
                        .and_then(Value::as_str);
                    let old_hash = history::hash(&old_rec);
                    if newest != Some(old_hash.as_str()) {
                        // No history yet, or a hand edit since the last
                        // import: record the definition as it was found.
                        let since = old
                            .and_then(|o| o.get("checked"))
                            .and_then(Value::as_str)
                            .filter(|d| crate::text::is_iso_date(d) && *d <= date)
                            .unwrap_or(date);
                        let mut first = history::first_entry(&old_rec, since);
                        first.previous = newest.map(str::to_string);
                        if first.previous.is_some() {
                            first.date = date.into();
                        }
                        hist.push(to_value(&first));
                    }
                    if let Some(entry) = history::change_entry(&old_rec, &new_rec, date) {
                        hist.push(to_value(&entry));
                        summary.changed.push(name.clone());
                    }
                }
            }
            None => {
                hist.push(to_value(&history::first_entry(&new_rec, date)));
                if old.is_some() {
                    summary.added.push(name.clone());
                }
            }
        }
        out.insert("history".into(), Value::Array(hist));
        new_tools.push(Value::Object(out));
    }
    summary.removed = old_tools
        .iter()
        .filter_map(name_of)
        .filter(|n| !listed.contains(n))
        .collect();
    record.insert("tools".into(), Value::Array(new_tools));
    if !summary.added.is_empty() || !summary.removed.is_empty() {
        let change = ServerChange {
            date: date.into(),
            added: summary.added.clone(),
            removed: summary.removed.clone(),
        };
        let mut h = record
            .get("history")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        h.push(to_value(&change));
        record.insert("history".into(), Value::Array(h));
    }
    Ok((record, summary))
}

/// Records each tool's current definition as the newest version without
/// asking a server (`import --pin`): a tool whose definition still matches
/// its newest hash is left alone. Returns the names of the tools pinned.
pub fn pin(record: &mut Map<String, Value>, date: &str) -> Result<Vec<String>, String> {
    let mut pinned = Vec::new();
    let Some(tools) = record.get_mut("tools").and_then(Value::as_array_mut) else {
        return Err("the record has no `tools` array".into());
    };
    for t in tools.iter_mut() {
        let Some(obj) = t.as_object_mut() else {
            continue;
        };
        let rec: ToolRecord = serde_json::from_value(Value::Object(obj.clone()))
            .map_err(|e| format!("a tool is not a valid tool record: {e}"))?;
        let hash = history::hash(&rec);
        let newest = rec.history.last().map(|e| e.hash.clone());
        if newest.as_deref() == Some(hash.as_str()) {
            // Unchanged: pinning it again records a review of the changes
            // an import recorded since the last review, if there were any
            // (an entry `--pin` wrote is a person's own and needs none).
            let since_review = rec
                .history
                .iter()
                .rev()
                .take_while(|e| e.previous.as_deref() != Some(e.hash.as_str()));
            let unreviewed = since_review
                .filter(|e| e.previous.is_some() && !e.changed.is_empty())
                .count();
            if unreviewed == 0 {
                continue;
            }
        }
        let mut entry = history::first_entry(&rec, date);
        entry.previous = newest;
        let mut h = obj
            .get("history")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        h.push(to_value(&entry));
        obj.insert("history".into(), Value::Array(h));
        pinned.push(rec.name);
    }
    Ok(pinned)
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}
